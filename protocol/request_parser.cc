#include "protocol/request_parser.h"
