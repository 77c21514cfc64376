#include "server/handler_memory.h"

#include <gtest/gtest.h>

#include <boost/asio/associated_allocator.hpp>

namespace kizuna::server {
namespace {

TEST(HandlerMemory, OneOperationAtATimeInPlaceOthersOnTheHeap) {
  HandlerMemory memory;
  void* first = memory.Allocate(200);
  void* second = memory.Allocate(200);  // the first is still outstanding
  EXPECT_NE(first, second);
  memory.Deallocate(second);
  memory.Deallocate(first);
  EXPECT_EQ(memory.Allocate(300), first);  // free again: the same storage
  void* huge = memory.Allocate(64 * 1024);
  EXPECT_NE(huge, first);
  memory.Deallocate(huge);
  memory.Deallocate(first);
}

TEST(WithMemory, AsioFindsTheAllocatorAndTheHandlerStillRuns) {
  HandlerMemory memory;
  int calls = 0;
  WithMemory handler(memory, [&calls](int n) { calls += n; });
  // Asio rebinds the allocator to its operation type, as here.
  HandlerAllocator<int> alloc(boost::asio::get_associated_allocator(handler));
  int* p = alloc.allocate(1);
  int* q = alloc.allocate(1);
  EXPECT_NE(p, q);
  alloc.deallocate(q, 1);
  alloc.deallocate(p, 1);
  EXPECT_EQ(alloc.allocate(1), p);
  alloc.deallocate(p, 1);
  handler(3);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace kizuna::server
