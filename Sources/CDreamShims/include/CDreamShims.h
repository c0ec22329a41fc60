#ifndef DREAM_SHIMS_H
#define DREAM_SHIMS_H
// GNU-only calls behind plain, prefixed functions. _GNU_SOURCE is defined only in the .c file:
// defining it in a Swift-visible header breaks the Glibc module's struct definitions.
#include <stdint.h>
#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The CPU the calling thread runs on now, or -1 with errno set.
int CDreamShims_sched_getcpu(void);

/// Pins the calling thread to the given CPUs. Returns 0 or an errno value.
int CDreamShims_pin_self(const int32_t *cpus, int32_t count);

/// Writes the calling thread's allowed CPUs (up to `capacity`) and returns how many there are,
/// or -errno on failure.
int32_t CDreamShims_get_affinity_self(int32_t *cpus, int32_t capacity);

/// Sets the calling thread's timer slack in nanoseconds (prctl PR_SET_TIMERSLACK). 0 or errno.
int CDreamShims_set_timer_slack_ns(unsigned long nanoseconds);

/// Switches the calling thread to SCHED_FIFO at `priority` (1..99). 0 or an errno value.
int CDreamShims_set_fifo(int32_t priority);

/// Switches the calling thread back to SCHED_OTHER. 0 or an errno value.
int CDreamShims_set_normal(void);

/// Names the calling thread (up to 15 bytes are kept). 0 or an errno value.
int CDreamShims_set_thread_name(const char *name);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t CDreamShims_monotonic_ns(void);

/// Sleeps until the absolute CLOCK_MONOTONIC time `deadline_ns` (restarts on EINTR unless
/// `interruptible`). Returns 0, or EINTR when interrupted and `interruptible` is set.
int CDreamShims_sleep_until_ns(uint64_t deadline_ns, int interruptible);

/// A CPU pause hint for spin loops.
void CDreamShims_cpu_relax(void);

/// The kernel thread id of the calling thread.
int32_t CDreamShims_gettid(void);

/// Sets flush-to-zero and denormals-are-zero for the calling thread (random weights through
/// many layers produce denormals, which are ~100x slower on x86).
void CDreamShims_enable_flush_to_zero(void);

// MARK: CPU features (kernel register blocking is chosen from these at run time)

/// 1 when the CPU and the OS support AVX-512F (CPUID leaf 7 EBX bit 16, OSXSAVE, and XCR0
/// enabling the opmask and upper ZMM state), else 0 (also on non-x86 hosts).
int CDreamShims_cpu_has_avx512f(void);

/// 1 when the CPU and the OS support AVX2 and FMA3 (CPUID and XCR0 YMM state), else 0.
int CDreamShims_cpu_has_avx2_fma(void);

/// A read prefetch hint into all cache levels (no fault on any address).
static inline void CDreamShims_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// A read prefetch hint into L2 and outer levels only (prefetcht1: keeps L1 for the blocking).
static inline void CDreamShims_prefetch_l2(const void *p) { __builtin_prefetch(p, 0, 2); }

// MARK: a worker mailbox: spin for a window, then park on a futex.

/// One worker's doorbell (opaque: C11 atomics stay on the C side).
typedef struct CDreamMailbox CDreamMailbox;

/// A new mailbox on its own cache line; free it with CDreamMailbox_destroy.
CDreamMailbox *CDreamMailbox_create(void);
void CDreamMailbox_destroy(CDreamMailbox *m);
/// Rings the doorbell (release ordering: writes before it are visible to the woken worker).
void CDreamMailbox_post(CDreamMailbox *m);
uint32_t CDreamMailbox_load(CDreamMailbox *m);

/// An absolute CLOCK_MONOTONIC time shared by all workers (the next frame release), on its own
/// cache line: written once per release, read by spinning workers.
typedef struct CDreamAlarm CDreamAlarm;
CDreamAlarm *CDreamAlarm_create(uint64_t at_ns);
void CDreamAlarm_destroy(CDreamAlarm *a);
void CDreamAlarm_set(CDreamAlarm *a, uint64_t at_ns);
uint64_t CDreamAlarm_load(CDreamAlarm *a);

/// A one-shot CLOCK_MONOTONIC timer (timerfd) that any thread may re-arm without waking its
/// waiter. Returns the fd, or -errno.
int CDreamTimer_create(void);
/// Arms the timer for the absolute monotonic time `at_ns` (replacing any earlier arming).
int CDreamTimer_arm(int fd, uint64_t at_ns);
/// Blocks until the timer fires (returns 0) or a signal interrupts (returns EINTR).
int CDreamTimer_wait(int fd);
void CDreamTimer_destroy(int fd);

/// Waits until `seq` differs from `seen`: spins until the absolute time `spin_until_ns`, then
/// parks; while spinning it also returns once the alarm's time has come. Returns 0 (rung while spinning),
/// 1 (rung after parking) or 2 (alarm due, no ring); `*count` gets the current seq.
int32_t CDreamMailbox_wait_or_alarm(CDreamMailbox *m, uint32_t seen, uint64_t spin_until_ns, CDreamAlarm *alarm,
                                    uint32_t *count);

// MARK: stop signals

/// Installs SIGINT and SIGTERM handlers that set a flag (and restore the default action, so a
/// second signal ends the process).
void CDreamShims_install_stop_handlers(void);
/// The signal that asked us to stop (SIGINT or SIGTERM), or 0.
int CDreamShims_stop_signal(void);
/// Clears the flag (tests).
void CDreamShims_reset_stop(void);

#ifdef __cplusplus
}
#endif
#endif
