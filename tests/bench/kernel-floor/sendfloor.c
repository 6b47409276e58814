/*
 * sendfloor: what the kernel alone charges a sender for one small TCP send on loopback, with nothing of RetroIm in
 * the way. It answers "could a relay node spend less than X µs of CPU per fan-out delivery on this host?": a node
 * must make at least one send per delivery, and this program does nothing else.
 *
 * One process accepts SOCKETS loopback connections, spread over RECEIVERS forked reader processes (epoll, one read
 * per ready socket, as a WebSocket client's event loop would). The sender then writes one 130-byte frame (a 100-byte
 * payload in RetroIm's framing) to every socket, SOCKETS / RATE seconds apart, ROUNDS times, and prints its own
 * CPU time (user + system, getrusage) per send and each receiver's per read.
 *
 * Two ways to send:
 *   send   one non-blocking send(2) per socket, as a .NET Socket.Send does
 *   uring  io_uring: IORING_OP_SEND for up to 256 sockets per io_uring_enter(2), so the system-call entry and exit
 *          are paid once per 256 sends
 *
 * Build and run (Linux, any C compiler):  cc -O2 -o /tmp/sendfloor sendfloor.c
 *                                         /tmp/sendfloor send 5000 50000 200 2
 * Arguments: MODE [SOCKETS=5000] [RATE=50000 sends/s] [ROUNDS=200] [RECEIVERS=2]. Everything stays on 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FRAME = 130, URING_BATCH = 256 };

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* A reader: accepts its share of the connections, then reads until it has every frame or 10 s pass without one. */
static void receive(int listener, int sockets, long frames, int accepted)
{
    int ep = epoll_create1(0);
    for (int i = 0; i < sockets; i++) {
        int c = accept(listener, NULL, NULL);
        if (c < 0) die("accept");
        fcntl(c, F_SETFL, O_NONBLOCK);
        struct epoll_event e = { .events = EPOLLIN, .data.fd = c };
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
    }
    if (write(accepted, "", 1) != 1) die("write");
    char buf[4096];
    struct epoll_event ready[256];
    long bytes = 0, wakes = 0, reads = 0;
    double cpu0 = cpu_s();
    while (bytes < frames * FRAME) {
        int n = epoll_wait(ep, ready, 256, 10000);
        if (n <= 0) break;
        wakes++;
        for (int i = 0; i < n; i++) {
            ssize_t r = read(ready[i].data.fd, buf, sizeof buf);
            if (r > 0) { bytes += r; reads++; }
        }
    }
    printf("receiver %d: %ld of %ld frames, %.2f frames per wake-up, %.2f us of CPU per frame\n", getpid(),
           bytes / FRAME, frames, reads ? (double)reads / wakes : 0, (cpu_s() - cpu0) * 1e6 / (bytes >= FRAME ? bytes / FRAME : 1));
    exit(bytes == frames * FRAME ? 0 : 2);
}

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

static void ring_setup(struct ring *r, unsigned entries)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (r->fd < 0) die("io_uring_setup");
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
    char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (sq == MAP_FAILED) die("mmap sq");
    char *cq = sq;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
        if (cq == MAP_FAILED) die("mmap cq");
    }
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   r->fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) die("mmap sqes");
}

/* Sends the frame to fds[0..count) through the ring, URING_BATCH per io_uring_enter; returns how many fell short. */
static long ring_send_all(struct ring *r, const int *fds, int count, const char *frame)
{
    long short_sends = 0;
    for (int first = 0; first < count; first += URING_BATCH) {
        int n = count - first < URING_BATCH ? count - first : URING_BATCH;
        unsigned tail = *r->sq_tail;
        for (int j = 0; j < n; j++, tail++) {
            unsigned slot = tail & *r->sq_mask;
            struct io_uring_sqe *e = &r->sqes[slot];
            memset(e, 0, sizeof *e);
            e->opcode = IORING_OP_SEND;
            e->fd = fds[first + j];
            e->addr = (unsigned long)frame;
            e->len = FRAME;
            e->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
            r->sq_array[slot] = slot;
        }
        atomic_store_explicit((_Atomic unsigned *)r->sq_tail, tail, memory_order_release);
        if (syscall(__NR_io_uring_enter, r->fd, n, n, IORING_ENTER_GETEVENTS, NULL, 0) < 0) die("io_uring_enter");
        unsigned head = *r->cq_head;
        unsigned end = atomic_load_explicit((_Atomic unsigned *)r->cq_tail, memory_order_acquire);
        for (; head != end; head++)
            if (r->cqes[head & *r->cq_mask].res != FRAME) short_sends++;
        atomic_store_explicit((_Atomic unsigned *)r->cq_head, head, memory_order_release);
    }
    return short_sends;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "send") && strcmp(argv[1], "uring"))) {
        fprintf(stderr, "usage: %s send|uring [SOCKETS] [RATE] [ROUNDS] [RECEIVERS]\n", argv[0]);
        return 64;
    }
    int uring = !strcmp(argv[1], "uring");
    int sockets = argc > 2 ? atoi(argv[2]) : 5000;
    int rate = argc > 3 ? atoi(argv[3]) : 50000;
    int rounds = argc > 4 ? atoi(argv[4]) : 200;
    int receivers = argc > 5 ? atoi(argv[5]) : 2;
    if (sockets < receivers || rate <= 0 || rounds <= 0 || receivers <= 0) {
        fprintf(stderr, "SOCKETS must be at least RECEIVERS, and every figure positive\n");
        return 64;
    }

    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t at_len = sizeof at;
    if (bind(listener, (struct sockaddr *)&at, sizeof at) || listen(listener, 65535) ||
        getsockname(listener, (struct sockaddr *)&at, &at_len))
        die("listen");

    int *fds = malloc(sizeof(int) * sockets);
    pid_t *readers = malloc(sizeof(pid_t) * receivers);
    for (int k = 0, first = 0; k < receivers; k++) {
        int share = sockets / receivers + (k < sockets % receivers);
        int accepted[2];
        if (pipe(accepted)) die("pipe");
        readers[k] = fork();
        if (readers[k] == 0) receive(listener, share, (long)share * rounds, accepted[1]);
        for (int i = first; i < first + share; i++) {
            fds[i] = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(fds[i], (struct sockaddr *)&at, sizeof at)) die("connect");
            setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fcntl(fds[i], F_SETFL, O_NONBLOCK);
        }
        first += share;
        /* The next reader forks only once this one has accepted its share, so each accepts exactly its own. */
        char done;
        if (read(accepted[0], &done, 1) != 1) die("read");
        close(accepted[0]);
        close(accepted[1]);
    }
    sleep(1);

    char frame[FRAME];
    memset(frame, 'x', sizeof frame);
    struct ring ring;
    if (uring) ring_setup(&ring, 1024);
    double interval = (double)sockets / rate, start = now_s(), cpu0 = cpu_s();
    long short_sends = 0;
    for (int round = 0; round < rounds; round++) {
        for (double wait; (wait = start + round * interval - now_s()) > 0;) usleep((useconds_t)(wait * 1e6));
        if (uring)
            short_sends += ring_send_all(&ring, fds, sockets, frame);
        else
            for (int i = 0; i < sockets; i++)
                if (send(fds[i], frame, FRAME, MSG_NOSIGNAL | MSG_DONTWAIT) != FRAME) short_sends++;
    }
    double elapsed = now_s() - start, cpu = cpu_s() - cpu0;
    long sends = (long)sockets * rounds;
    printf("sender (%s): %ld sends to %d sockets in %.2f s (%.0f/s), %.2f us of CPU per send, %ld short\n", argv[1],
           sends, sockets, elapsed, sends / elapsed, cpu * 1e6 / sends, short_sends);
    fflush(stdout);
    int failed = short_sends != 0;
    for (int k = 0; k < receivers; k++) {
        int status;
        waitpid(readers[k], &status, 0);
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    return failed;
}
