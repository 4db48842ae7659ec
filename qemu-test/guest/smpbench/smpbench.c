/* smpbench: what several vCPUs give and cost, measured from inside the
 * guest (plinth.smpbench=1), the same under Plinth and on QEMU directly.
 *
 *   work:  one thread per CPU, each pinned to its own, each running the
 *          same fixed chain of integer arithmetic (no memory traffic);
 *          the wall time of the whole, and a check that every thread
 *          computed the same value.
 *   ipi:   membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) from CPU 0 while
 *          a thread of this process spins on CPU 1: the kernel sends that
 *          CPU an IPI and waits for its answer, a round trip.  The same
 *          call with no other CPU in the process sends none: the
 *          difference is the IPI's.
 *   tlb:   mmap, touch and munmap of one page on CPU 0, with spinning
 *          threads of this process on every other CPU (the unmap must
 *          shoot down their TLBs: a flush IPI to each, waited for), and
 *          alone.
 *
 * One line each, "plinth-smpbench: NAME: FIGURES", then "done".  Times
 * under TCG are the emulator's, not hardware's: the figures are for
 * ratios against the same program in the same emulator. */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WORK_STEPS 300000000ull
#define IPI_ROUNDS 400
#define TLB_ROUNDS 400
#define MAX_CPUS 64

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		printf("plinth-smpbench: cannot pin to cpu %d\n", cpu);
		exit(1);
	}
}

struct job {
	pthread_t t;
	int cpu;
	uint64_t out;
};

static void *work(void *p)
{
	struct job *j = p;
	uint64_t x = 1;

	pin(j->cpu);
	for (uint64_t i = 0; i < WORK_STEPS; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	j->out = x;
	return NULL;
}

static volatile int stop_spinning;

static void *spin(void *p)
{
	pin(((struct job *)p)->cpu);
	while (!stop_spinning)
		__asm__ volatile("pause");
	return NULL;
}

/* Threads running fn on CPUs first .. n-1. */
static void start(struct job *j, int first, int n, void *(*fn)(void *))
{
	for (int i = first; i < n; i++) {
		j[i].cpu = i;
		if (pthread_create(&j[i].t, NULL, fn, &j[i])) {
			printf("plinth-smpbench: no thread for cpu %d\n", i);
			exit(1);
		}
	}
}

static void join(struct job *j, int first, int n)
{
	for (int i = first; i < n; i++)
		pthread_join(j[i].t, NULL);
}

static void bench_work(int n)
{
	struct job j[MAX_CPUS];
	uint64_t t0 = now_ns();
	int same = 1;

	start(j, 0, n, work);
	join(j, 0, n);
	for (int i = 1; i < n; i++)
		same &= j[i].out == j[0].out;
	printf("plinth-smpbench: work: %d threads on %d CPUs, %llu us, %s\n",
	       n, n, (unsigned long long)((now_ns() - t0) / 1000),
	       same ? "results agree" : "RESULTS DIFFER");
}

static uint64_t membarrier_ns(void)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < IPI_ROUNDS; i++)
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			    0, 0)) {
			printf("plinth-smpbench: membarrier failed\n");
			exit(1);
		}
	return (now_ns() - t0) / IPI_ROUNDS;
}

static uint64_t munmap_ns(void)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < TLB_ROUNDS; i++) {
		volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("plinth-smpbench: mmap failed\n");
			exit(1);
		}
		*p = 1;
		munmap((void *)p, 4096);
	}
	return (now_ns() - t0) / TLB_ROUNDS;
}

/* Both with the other CPUs spinning in this process, and without. */
static void bench_ipi_tlb(int n)
{
	struct job j[MAX_CPUS];
	uint64_t ipi_alone, tlb_alone, ipi, tlb;

	if (syscall(__NR_membarrier,
		    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)) {
		printf("plinth-smpbench: membarrier not available\n");
		return;
	}
	ipi_alone = membarrier_ns();
	tlb_alone = munmap_ns();
	stop_spinning = 0;
	start(j, 1, 2, spin);
	usleep(100000); /* the spinner on its CPU */
	ipi = membarrier_ns();
	start(j, 2, n, spin);
	usleep(100000);
	tlb = munmap_ns();
	stop_spinning = 1;
	join(j, 1, n);
	printf("plinth-smpbench: ipi: %llu ns a round trip to 1 CPU "
	       "(membarrier %llu ns, %llu ns with no other CPU)\n",
	       (unsigned long long)(ipi > ipi_alone ? ipi - ipi_alone : 0),
	       (unsigned long long)ipi, (unsigned long long)ipi_alone);
	printf("plinth-smpbench: tlb: %llu ns a shootdown of %d CPUs "
	       "(munmap %llu ns, %llu ns with no other CPU)\n",
	       (unsigned long long)(tlb > tlb_alone ? tlb - tlb_alone : 0),
	       n - 1, (unsigned long long)tlb, (unsigned long long)tlb_alone);
}

int main(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1 || n > MAX_CPUS) {
		printf("plinth-smpbench: %ld CPUs\n", n);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pin(0);
	bench_work((int)n);
	if (n > 1)
		bench_ipi_tlb((int)n);
	printf("plinth-smpbench: done\n");
	return 0;
}
