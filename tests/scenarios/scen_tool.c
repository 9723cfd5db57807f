/*
 * scen_tool: the attack scenarios' native helper, compiled with cc when the scenarios run.
 *
 *   scen_tool uring-open PATH       opens PATH through io_uring (IORING_OP_OPENAT) and reads
 *                                   from it: no open(2) family syscall is made for PATH
 *   scen_tool flood COUNT PATH      attempts COUNT opens of distinct missing paths (an event
 *                                   flood meant to fill the monitor's ring buffer), then
 *                                   opens and reads PATH
 *
 * io_uring is used through its raw syscalls, so no liburing is needed. Exit status 0 when
 * PATH was read, 1 when it could not be, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int read_some(int fd, const char* path) {
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        fprintf(stderr, "scen_tool: read %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("read %zd bytes of %s\n", n, path);
    return 0;
}

/* One OPENAT submitted and completed through a fresh ring. */
static int uring_open(const char* path) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int ring = (int)syscall(__NR_io_uring_setup, 4, &p);
    if (ring < 0) {
        fprintf(stderr, "scen_tool: io_uring_setup: %s\n", strerror(errno));
        return 1;
    }

    /* Map the submission ring, its entries and the completion ring. */
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char* sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                    IORING_OFF_SQ_RING);
    char* cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                    IORING_OFF_CQ_RING);
    struct io_uring_sqe* sqes =
        mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
        fprintf(stderr, "scen_tool: mmap of the io_uring rings: %s\n", strerror(errno));
        return 1;
    }

    /* Fill the first entry and publish it. */
    memset(&sqes[0], 0, sizeof sqes[0]);
    sqes[0].opcode = IORING_OP_OPENAT;
    sqes[0].fd = AT_FDCWD;
    sqes[0].addr = (uint64_t)(uintptr_t)path;
    sqes[0].open_flags = O_RDONLY;
    uint32_t* sq_tail = (uint32_t*)(sq + p.sq_off.tail);
    uint32_t* sq_array = (uint32_t*)(sq + p.sq_off.array);
    uint32_t tail = __atomic_load_n(sq_tail, __ATOMIC_ACQUIRE);
    sq_array[tail & *(uint32_t*)(sq + p.sq_off.ring_mask)] = 0;
    __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);

    if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
        fprintf(stderr, "scen_tool: io_uring_enter: %s\n", strerror(errno));
        return 1;
    }

    /* The completion carries the new descriptor or a negative errno. */
    uint32_t head = __atomic_load_n((uint32_t*)(cq + p.cq_off.head), __ATOMIC_ACQUIRE);
    uint32_t cq_mask = *(uint32_t*)(cq + p.cq_off.ring_mask);
    struct io_uring_cqe* cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
    int res = cqes[head & cq_mask].res;
    __atomic_store_n((uint32_t*)(cq + p.cq_off.head), head + 1, __ATOMIC_RELEASE);
    close(ring);
    if (res < 0) {
        fprintf(stderr, "scen_tool: IORING_OP_OPENAT %s: %s\n", path, strerror(-res));
        return 1;
    }
    return read_some(res, path);
}

/*
 * Distinct names defeat the monitor's in-kernel dedupe, and long ones fill the ring buffer
 * with fewer syscalls.
 */
static int flood(long count, const char* path) {
    char name[480];
    memset(name, 'f', sizeof name);
    for (long i = 0; i < count; ++i) {
        int n = snprintf(name, 64, "/nonexistent-rtguard-flood/%ld/", i);
        name[n] = 'f';
        name[sizeof name - 1] = '\0';
        int fd = open(name, O_RDONLY);
        if (fd >= 0) close(fd);
    }
    printf("attempted %ld opens\n", count);

    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "scen_tool: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    return read_some(fd, path);
}

int main(int argc, char** argv) {
    if (argc == 3 && !strcmp(argv[1], "uring-open")) return uring_open(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "flood")) return flood(atol(argv[2]), argv[3]);
    fprintf(stderr, "usage: scen_tool uring-open PATH | scen_tool flood COUNT PATH\n");
    return 2;
}
