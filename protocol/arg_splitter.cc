#include "protocol/arg_splitter.h"
