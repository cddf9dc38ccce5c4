/*
 * clock.c - time, the Guest's one-shot timer, and kicks.
 *
 * A kick must get the run loop's attention even while the Guest runs
 * inside uc_emu_start().  It is a flag: the run loop checks it before
 * every entry, and the block hook (switcher.c) at every translation-block
 * boundary while the Guest runs.  A kicker thread sets it when the
 * Guest's timer is due.
 */
#include <errno.h>
#include <time.h>

#include "sim.h"

static u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/*
 * The Guest's clock.  Real time by default; with --deterministic a virtual
 * clock that advances by one nanosecond per byte of Guest instructions
 * executed (counted per translation block, see switcher.c), and jumps
 * ahead to the timer's deadline while the Guest halts.  Nothing the Guest
 * can observe then depends on the host's speed.
 */
u64 shim_clock_ns(struct lguest *lg)
{
	struct sim *sim = sim_of(lg);

	if (lg->cfg.deterministic)
		return sim->vclock;
	return now_ns(CLOCK_MONOTONIC);
}

/* The virtual wall clock starts at 2026-01-01 00:00:00 UTC. */
#define VIRTUAL_EPOCH 1767225600ull

void shim_wallclock(struct lguest *lg, u32 *sec, u32 *nsec)
{
	struct timespec ts;

	if (lg->cfg.deterministic) {
		u64 ns = sim_of(lg)->vclock;

		*sec = (u32)(VIRTUAL_EPOCH + ns / 1000000000ull);
		*nsec = (u32)(ns % 1000000000ull);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (u32)ts.tv_sec;
	*nsec = (u32)ts.tv_nsec;
}

/*
 * The Guest's TSC runs at 1 GHz on the Guest's clock: we trap rdtsc
 * (CR4.TSD) and answer with shim_clock_ns(), so the TSC agrees with
 * lguest_data.time and with the timer in both modes.
 */
u32 shim_tsc_khz(struct lguest *lg)
{
	(void)lg;
	return 1000000;
}

static void abs_timespec(u64 ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

void shim_kick(struct lg_cpu *cpu)
{
	struct sim *sim = sim_of(cpu->lg);

	if (!sim)
		return;
	__atomic_store_n(&sim->kick_pending, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&sim->lock);
	pthread_cond_broadcast(&sim->cond);
	pthread_mutex_unlock(&sim->lock);
}

/* The run loop takes the kick (before entering, or after an exit). */
bool sim_take_kick(struct sim *sim)
{
	return __atomic_exchange_n(&sim->kick_pending, 0, __ATOMIC_SEQ_CST);
}

void shim_timer_arm(struct lg_cpu *cpu, u64 deadline_ns)
{
	struct sim *sim = sim_of(cpu->lg);

	/* On the virtual clock the block hook watches the deadline. */
	if (cpu->lg->cfg.deterministic) {
		sim->vdeadline = deadline_ns;
		return;
	}
	pthread_mutex_lock(&sim->lock);
	sim->timer_deadline = deadline_ns;
	pthread_cond_broadcast(&sim->cond);
	pthread_mutex_unlock(&sim->lock);
}

/* HALT: sleep until kicked or the deadline passes. */
void shim_wait(struct lg_cpu *cpu, u64 deadline_ns)
{
	struct sim *sim = sim_of(cpu->lg);
	struct timespec ts;

	/* Virtual time: nothing happens while the Guest halts, so skip. */
	if (cpu->lg->cfg.deterministic && deadline_ns) {
		if (sim->vclock < deadline_ns)
			sim->vclock = deadline_ns;
		return;
	}
	pthread_mutex_lock(&sim->lock);
	while (!__atomic_load_n(&sim->kick_pending, __ATOMIC_SEQ_CST)) {
		if (!deadline_ns) {
			pthread_cond_wait(&sim->cond, &sim->lock);
			continue;
		}
		if (now_ns(CLOCK_MONOTONIC) >= deadline_ns)
			break;
		abs_timespec(deadline_ns, &ts);
		pthread_cond_timedwait(&sim->cond, &sim->lock, &ts);
	}
	pthread_mutex_unlock(&sim->lock);
	sim_take_kick(sim);
}

/*
 * The kicker: sleeps until the Guest's timer is due, then kicks.  It never
 * stops the CPU itself: the block hook notices a pending kick at the next
 * block boundary (see hook_block() in switcher.c for why).
 */
static void *kicker_thread(void *arg)
{
	struct sim *sim = arg;
	struct timespec ts;

	pthread_mutex_lock(&sim->lock);
	while (!sim->kicker_stop) {
		if (sim->timer_deadline &&
		    now_ns(CLOCK_MONOTONIC) >= sim->timer_deadline) {
			/* Due: the run loop's check_timer() raises IRQ 0. */
			sim->timer_deadline = 0;
			__atomic_store_n(&sim->kick_pending, 1, __ATOMIC_SEQ_CST);
			pthread_cond_broadcast(&sim->cond);
		} else if (sim->timer_deadline) {
			abs_timespec(sim->timer_deadline, &ts);
			pthread_cond_timedwait(&sim->cond, &sim->lock, &ts);
		} else {
			pthread_cond_wait(&sim->cond, &sim->lock);
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return NULL;
}

int sim_clock_init(struct sim *sim)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&sim->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sim->cond, &attr);
	pthread_condattr_destroy(&attr);
	sim->clock_inited = true;
	if (pthread_create(&sim->kicker, NULL, kicker_thread, sim) != 0)
		return -EAGAIN;
	sim->kicker_started = true;
	return 0;
}

void sim_clock_free(struct sim *sim)
{
	if (!sim->clock_inited)
		return;
	if (sim->kicker_started) {
		pthread_mutex_lock(&sim->lock);
		sim->kicker_stop = true;
		pthread_cond_broadcast(&sim->cond);
		pthread_mutex_unlock(&sim->lock);
		pthread_join(sim->kicker, NULL);
		sim->kicker_started = false;
	}
	pthread_cond_destroy(&sim->cond);
	pthread_mutex_destroy(&sim->lock);
}
