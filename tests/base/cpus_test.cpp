#include "base/cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace edgeway {
namespace {

TEST(CpusTest, FollowsTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(::sched_getaffinity(0, sizeof saved, &saved), 0);
  EXPECT_EQ(usableCpus(), static_cast<size_t>(CPU_COUNT(&saved)));

  // Pinned to the first CPU it may use, the process counts one.
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(usableCpus(), 1u);
  ASSERT_EQ(::sched_setaffinity(0, sizeof saved, &saved), 0);
}

}  // namespace
}  // namespace edgeway
