#define _GNU_SOURCE
#include "CDreamShims.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <stdatomic.h>
#include <linux/futex.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#include <pmmintrin.h>
#include <cpuid.h>
#endif

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

void CDreamShims_enable_flush_to_zero(void) {
#if defined(__x86_64__) || defined(__i386__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val) {
    return syscall(SYS_futex, (uint32_t *)addr, op, val, NULL, NULL, 0);
}

/// `seq` counts posts; `sleepers` says whether the owner is parked.
struct CDreamMailbox {
    _Atomic uint32_t seq;
    _Atomic uint32_t sleepers;
    char pad[56];   // keep each mailbox on its own cache line
};

CDreamMailbox *CDreamMailbox_create(void) {
    CDreamMailbox *m = NULL;
    if (posix_memalign((void **)&m, 64, sizeof(CDreamMailbox)) != 0) return NULL;
    atomic_init(&m->seq, 0);
    atomic_init(&m->sleepers, 0);
    return m;
}

void CDreamMailbox_destroy(CDreamMailbox *m) { free(m); }

void CDreamMailbox_post(CDreamMailbox *m) {
    atomic_fetch_add_explicit(&m->seq, 1, memory_order_release);
    if (atomic_load_explicit(&m->sleepers, memory_order_seq_cst) != 0) {
        futex(&m->seq, FUTEX_WAKE_PRIVATE, 1);
    }
}

uint32_t CDreamMailbox_load(CDreamMailbox *m) {
    return atomic_load_explicit(&m->seq, memory_order_acquire);
}

int CDreamTimer_create(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int CDreamTimer_arm(int fd, uint64_t at_ns) {
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (at_ns == 0) at_ns = 1;   // 0 would disarm
    its.it_value.tv_sec = (time_t)(at_ns / 1000000000ull);
    its.it_value.tv_nsec = (long)(at_ns % 1000000000ull);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0 ? 0 : errno;
}

int CDreamTimer_wait(int fd) {
    uint64_t expirations;
    for (;;) {
        ssize_t n = read(fd, &expirations, sizeof(expirations));
        if (n == (ssize_t)sizeof(expirations)) return 0;
        if (n < 0 && errno == EINTR) return EINTR;
        if (n < 0) return errno;
    }
}

void CDreamTimer_destroy(int fd) { if (fd >= 0) close(fd); }

struct CDreamAlarm {
    _Atomic uint64_t at;
    char pad[56];
};

CDreamAlarm *CDreamAlarm_create(uint64_t at_ns) {
    CDreamAlarm *a = NULL;
    if (posix_memalign((void **)&a, 64, sizeof(CDreamAlarm)) != 0) return NULL;
    atomic_init(&a->at, at_ns);
    return a;
}

void CDreamAlarm_destroy(CDreamAlarm *a) { free(a); }
void CDreamAlarm_set(CDreamAlarm *a, uint64_t at_ns) { atomic_store_explicit(&a->at, at_ns, memory_order_relaxed); }
uint64_t CDreamAlarm_load(CDreamAlarm *a) { return atomic_load_explicit(&a->at, memory_order_relaxed); }

int32_t CDreamMailbox_wait_or_alarm(CDreamMailbox *m, uint32_t seen, uint64_t spin_until_ns, CDreamAlarm *alarm,
                                    uint32_t *count) {
    uint32_t now = atomic_load_explicit(&m->seq, memory_order_acquire);
    *count = now;
    if (now != seen) return 0;
    unsigned n = 0;
    for (;;) {
        // The clock (~25 ns) every 8 pauses: the alarm is seen within about a microsecond.
        if ((n++ & 7) == 0) {
            uint64_t t = CDreamShims_monotonic_ns();
            if (alarm && t >= atomic_load_explicit(&alarm->at, memory_order_relaxed)) return 2;
            if (t >= spin_until_ns) break;
        }
        CDreamShims_cpu_relax();
        now = atomic_load_explicit(&m->seq, memory_order_acquire);
        if (now != seen) { *count = now; return 0; }
    }
    atomic_fetch_add_explicit(&m->sleepers, 1, memory_order_seq_cst);
    for (;;) {
        now = atomic_load_explicit(&m->seq, memory_order_seq_cst);
        if (now != seen) break;
        futex(&m->seq, FUTEX_WAIT_PRIVATE, seen);
    }
    atomic_fetch_sub_explicit(&m->sleepers, 1, memory_order_seq_cst);
    *count = now;
    return 1;
}

static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) {
    stop_signal = sig;
    signal(sig, SIG_DFL);
}

void CDreamShims_install_stop_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    // A parent may have spawned us with these signals blocked (the mask is inherited).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int CDreamShims_stop_signal(void) { return (int)stop_signal; }
void CDreamShims_reset_stop(void) { stop_signal = 0; }

// MARK: CPU features

#if defined(__x86_64__) || defined(__i386__)
/// XCR0: which register state the OS saves (only valid when CPUID reports OSXSAVE).
static uint64_t dream_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/// CPUID leaf 1 ECX has OSXSAVE (bit 27) and the XCR0 bits in `mask` are all set.
static int dream_os_saves(uint64_t mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27))) return 0;
    return (dream_xcr0() & mask) == mask;
}
#endif

int CDreamShims_cpu_has_avx512f(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & (1u << 16))) return 0;
    // XMM, YMM, opmask, ZMM0-15 upper halves, ZMM16-31.
    return dream_os_saves(0xE6);
#else
    return 0;
#endif
}

int CDreamShims_cpu_has_avx2_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 12))) return 0;  // FMA3
    if (__get_cpuid_max(0, 0) < 7) return 0;
    unsigned a7, b7, c7, d7;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    if (!(b7 & (1u << 5))) return 0;  // AVX2
    return dream_os_saves(0x6);
#else
    return 0;
#endif
}
