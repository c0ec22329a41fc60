#define _GNU_SOURCE
#include "CDreamShims.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int CDreamShims_sched_getcpu(void) { return sched_getcpu(); }

int CDreamShims_pin_self(const int32_t *cpus, int32_t count) {
    if (count <= 0) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int32_t i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], &set);
    }
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int32_t CDreamShims_get_affinity_self(int32_t *cpus, int32_t capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    int rc = pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc != 0) return -rc;
    int32_t n = 0;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (CPU_ISSET(i, &set)) {
            if (n < capacity) cpus[n] = i;
            n++;
        }
    }
    return n;
}

int CDreamShims_set_timer_slack_ns(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : errno;
}

int CDreamShims_set_fifo(int32_t priority) {
    struct sched_param p;
    memset(&p, 0, sizeof(p));
    p.sched_priority = priority;
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
}

int CDreamShims_set_normal(void) {
    struct sched_param p;
    memset(&p, 0, sizeof(p));
    return pthread_setschedparam(pthread_self(), SCHED_OTHER, &p);
}

int CDreamShims_set_thread_name(const char *name) {
    char buf[16];
    strncpy(buf, name, 15);
    buf[15] = 0;
    return pthread_setname_np(pthread_self(), buf);
}

uint64_t CDreamShims_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int CDreamShims_sleep_until_ns(uint64_t deadline_ns, int interruptible) {
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000ull);
    ts.tv_nsec = (long)(deadline_ns % 1000000000ull);
    for (;;) {
        int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        if (rc == 0) return 0;
        if (rc == EINTR && interruptible) return EINTR;
        if (rc != EINTR) return rc;
    }
}

void CDreamShims_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int32_t CDreamShims_gettid(void) { return (int32_t)syscall(SYS_gettid); }
