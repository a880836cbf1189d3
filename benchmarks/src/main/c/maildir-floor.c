// maildir-floor: what a durable Maildir delivery costs this machine's kernel and disk, with
// nothing else around it (no network, no threads, no JVM). Each message, one after another:
// create a file in tmp/ (O_EXCL), write it, fdatasync, close; link it into each recipient's
// new/; unlink the tmp/ name; fsync each new/ every GROUP messages (1: every message is
// durable before the next starts, as an LMTP reply promises). Several copies may share one
// DIR, as a server's sessions share the recipients' directories: file names carry the pid.
// The clock starts once a byte (or end of file) arrives on stdin, so a caller can start many
// copies and release them together. Prints the process's CPU (user + sys, from getrusage), its
// context switches and its loop's start and end on CLOCK_MONOTONIC (one clock for every process).
// benchmarks/scripts/maildir-floor.sh builds it and runs P copies side by side; ./txring bench runs it
// as the mail workloads' "maildir-floor-c" variant (benchmarks/.../workloads/MaildirFloor.java).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPT 16
#define MESSAGE 4175 /* what smtp-source -l 4096 delivers, headers included */

static double micros(struct timeval t) { return t.tv_sec * 1e6 + t.tv_usec; }

static long long nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/** Formats a path into buf, or exits: a truncated path would measure something else. */
static void path(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= size) {
        fprintf(stderr, "maildir-floor: path too long\n");
        exit(1);
    }
}

/** mkdir that accepts a directory another copy made first. */
static void dir(const char *p) {
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        perror(p);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: maildir-floor DIR MESSAGES RECIPIENTS [GROUP] < /dev/null\n"
                        "  (it starts once stdin gives a byte or ends; DIR: a fresh directory, or one its other copies share)\n");
        return 2;
    }
    const char *root = argv[1];
    int n = atoi(argv[2]), r = atoi(argv[3]), group = argc > 4 ? atoi(argv[4]) : 1;
    if (n < 1 || r < 1 || r > MAX_RCPT || group < 1) {
        fprintf(stderr, "maildir-floor: MESSAGES ≥ 1, 1 ≤ RECIPIENTS ≤ %d, GROUP ≥ 1\n", MAX_RCPT);
        return 2;
    }
    char tmp[4096], to[4096], body[MESSAGE];
    memset(body, 'X', sizeof body);
    dir(root);
    path(tmp, sizeof tmp, "%s/tmp", root);
    dir(tmp);
    int newdir[MAX_RCPT];
    for (int i = 0; i < r; i++) {
        path(to, sizeof to, "%s/%d", root, i);
        dir(to);
        path(to, sizeof to, "%s/%d/new", root, i);
        dir(to);
        if ((newdir[i] = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { perror(to); return 1; }
    }
    char go;
    if (read(0, &go, 1) < 0) { perror("stdin"); return 1; } // the start barrier: a byte, or end of file
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    long long start = nanos();
    for (int k = 0; k < n; k++) {
        path(tmp, sizeof tmp, "%s/tmp/%d.%d", root, (int) getpid(), k);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, body, sizeof body) != (ssize_t) sizeof body || fdatasync(fd) != 0 || close(fd) != 0) {
            perror(tmp);
            return 1;
        }
        for (int i = 0; i < r; i++) {
            path(to, sizeof to, "%s/%d/new/%d.%d", root, i, (int) getpid(), k);
            if (link(tmp, to) != 0) { perror(to); return 1; }
        }
        if (unlink(tmp) != 0) { perror(tmp); return 1; }
        if ((k + 1) % group == 0 || k + 1 == n) {
            for (int i = 0; i < r; i++) {
                if (fsync(newdir[i]) != 0) { perror("fsync new/"); return 1; }
            }
        }
    }
    long long end = nanos();
    getrusage(RUSAGE_SELF, &after);
    double user = micros(after.ru_utime) - micros(before.ru_utime), sys = micros(after.ru_stime) - micros(before.ru_stime);
    // one line of key=value pairs, for maildir-floor.sh and the bench's MaildirFloor to add up
    printf("messages=%d recipients=%d group=%d cpu_us=%.0f user_us=%.0f sys_us=%.0f start_ns=%lld end_ns=%lld voluntary=%ld involuntary=%ld\n",
           n, r, group, user + sys, user, sys, start, end, after.ru_nvcsw - before.ru_nvcsw, after.ru_nivcsw - before.ru_nivcsw);
    return 0;
}
