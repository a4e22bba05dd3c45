// connect_latency: the TCP server and the timing client of bench/proxy/run.sh.
//
//   connect_latency serve PORT               accept and close, forever (SO_REUSEADDR)
//   connect_latency connect IP PORT N        N connects, one after the other: a non-blocking
//                                            connect() timed until writable (SYN -> SYN-ACK
//                                            through the node's DNAT), then an RST close (no
//                                            TIME_WAIT). Prints "median_us min_us p90_us failures".
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (bind(s, (struct sockaddr*)&sa, sizeof sa) || listen(s, 4096)) {
      perror("listen");
      return 1;
    }
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c >= 0) close(c);
    }
  }
  if (argc != 5 || strcmp(argv[1], "connect") != 0) {
    fprintf(stderr, "usage: %s serve PORT | connect IP PORT N\n", argv[0]);
    return 2;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) return 2;
  int n = atoi(argv[4]), ok = 0, failures = 0;
  double* v = calloc(n, sizeof *v);
  for (int i = 0; i < n; ++i) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct linger lg = {1, 0};
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    double t0 = now_us();
    int r = connect(s, (struct sockaddr*)&sa, sizeof sa);
    if (r != 0 && errno == EINPROGRESS) {
      struct pollfd p = {.fd = s, .events = POLLOUT};
      int err = 0;
      socklen_t len = sizeof err;
      if (poll(&p, 1, 2000) == 1 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) r = 0;
    }
    double t1 = now_us();
    if (r == 0)
      v[ok++] = t1 - t0;
    else
      failures++;
    close(s);
  }
  if (ok == 0) {
    printf("nan nan nan %d\n", failures);
    return 1;
  }
  qsort(v, ok, sizeof *v, cmp);
  printf("%.1f %.1f %.1f %d\n", v[ok / 2], v[0], v[ok * 9 / 10], failures);
  return 0;
}
