// The measured side of bench/run: tight loops of one kind of kernel work, timed from inside
// the process so that whatever starts it (an agent that spawns it, a shell) is not counted.
//
//   loops KIND ITERATIONS [KIND ITERATIONS...]
//       KIND: getppid (a raw syscall), open (open+close of /etc/hostname), forkexec (fork, exec
//       /bin/true, wait), hold (print "HOLD" and wait for a line on standard input, so that
//       the caller can read counters while an agent is still attached)
//   loops run REPEATS -- CMD [ARGS...]
//       runs CMD REPEATS times, one after the other, and times them all
//
// Prints one line per loop on standard output:
//
//   RESULT <kind> <iterations> <cpu_ns> <wall_ns> <parent_cpu_ns>
//
// cpu_ns is the CPU time of this process plus the children it waited for (the kernel work of
// a syscall, BPF programs on its hooks included, is charged to the task that made it), wall_ns
// the elapsed time, and parent_cpu_ns the CPU time the parent process (an agent that started
// this program as a watched command) used during the loop, or -1 when it cannot be read.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static int64_t clock_ns(clockid_t id) {
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t children_cpu_ns(void) {
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

// CPU time of every thread of process `pid` in nanoseconds, from the scheduler's own
// accounting (/proc/PID/task/TID/schedstat, first field), which is exact where
// /proc/PID/stat counts clock ticks. -1 when it cannot be read.
static int64_t process_cpu_ns(pid_t pid) {
    char dir_path[64];
    DIR* dir;
    struct dirent* d;
    int64_t total = 0;
    int found = 0;

    snprintf(dir_path, sizeof(dir_path), "/proc/%d/task", (int)pid);
    dir = opendir(dir_path);
    if (!dir) return -1;
    while ((d = readdir(dir))) {
        char path[384];
        FILE* f;
        long long ns;

        if (d->d_name[0] == '.') continue;
        snprintf(path, sizeof(path), "%s/%s/schedstat", dir_path, d->d_name);
        f = fopen(path, "r");
        if (!f) continue;
        if (fscanf(f, "%lld", &ns) == 1) {
            total += ns;
            found = 1;
        }
        fclose(f);
    }
    closedir(dir);
    return found ? total : -1;
}

struct Mark {
    int64_t cpu, wall, parent;
};

static struct Mark mark(void) {
    struct Mark m;

    m.parent = process_cpu_ns(getppid());
    m.cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + children_cpu_ns();
    m.wall = clock_ns(CLOCK_MONOTONIC);
    return m;
}

static void report(const char* kind, long iterations, struct Mark a, struct Mark b) {
    int64_t parent = a.parent < 0 || b.parent < 0 ? -1 : b.parent - a.parent;

    printf("RESULT %s %ld %" PRId64 " %" PRId64 " %" PRId64 "\n", kind, iterations, b.cpu - a.cpu,
           b.wall - a.wall, parent);
    fflush(stdout);
}

static int run_child(char* const argv[]) {
    pid_t pid = fork();
    int status;

    if (pid < 0) {
        perror("loops: fork");
        exit(2);
    }
    if (pid == 0) {
        execve(argv[0], argv, environ);
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("loops: waitpid");
            exit(2);
        }
    }
    return status;
}

static void loop_getppid(long n) {
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
}

static void loop_open(long n) {
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

        if (fd >= 0) close(fd);
    }
}

static void loop_forkexec(long n) {
    static char* const true_argv[] = {"/bin/true", NULL};

    for (long i = 0; i < n; i++) {
        if (run_child(true_argv) != 0) {
            fprintf(stderr, "loops: /bin/true failed\n");
            exit(2);
        }
    }
}

static void timed(const char* kind, void (*loop)(long), long n) {
    struct Mark a, b;

    // A tenth of the work first, untimed: page cache, dentry cache and the agent's
    // first-use events are warm before the clock starts.
    loop(n / 10 > 0 ? n / 10 : 1);
    a = mark();
    loop(n);
    b = mark();
    report(kind, n, a, b);
}

static int usage(void) {
    fprintf(stderr,
            "usage: loops KIND ITERATIONS [KIND ITERATIONS...]\n"
            "         KIND: getppid, open, forkexec, or hold (wait for a line on stdin)\n"
            "       loops run REPEATS -- CMD [ARGS...]\n");
    return 2;
}

static void hold(void) {
    char line[64];

    printf("HOLD\n");
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin)) return;
}

int main(int argc, char** argv) {
    long n;

    if (argc < 3) return usage();

    if (strcmp(argv[1], "run") == 0) {
        struct Mark a, b;

        n = strtol(argv[2], NULL, 10);
        if (n <= 0 || argc < 5 || strcmp(argv[3], "--") != 0) return usage();
        a = mark();
        for (long i = 0; i < n; i++) {
            int status = run_child(argv + 4);

            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "loops: %s failed (status %d)\n", argv[4], status);
                return 1;
            }
        }
        b = mark();
        report("run", n, a, b);
        return 0;
    }

    if (argc % 2 != 1) return usage();
    for (int i = 1; i < argc; i += 2) {
        n = strtol(argv[i + 1], NULL, 10);
        if (n <= 0) return usage();
        if (strcmp(argv[i], "getppid") == 0)
            timed("getppid", loop_getppid, n);
        else if (strcmp(argv[i], "open") == 0)
            timed("open", loop_open, n);
        else if (strcmp(argv[i], "forkexec") == 0)
            timed("forkexec", loop_forkexec, n);
        else if (strcmp(argv[i], "hold") == 0)
            hold();
        else
            return usage();
    }
    return 0;
}
