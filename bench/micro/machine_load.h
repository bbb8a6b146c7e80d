/* Was the machine otherwise idle while we timed? The share of its CPUs that
 * other processes kept busy over a window: every CPU's busy ticks from
 * /proc/stat (user, nice, system, irq, softirq and steal: time a hypervisor
 * gave to another guest counts too) minus the CPU time of this process and
 * of its children that it has waited for (getrusage). A timing taken while
 * another job shares the cores can be off by 2x in either direction, so
 * table5 prints this share and warns above a tenth. */
#ifndef ALCN_BENCH_MACHINE_LOAD_H
#define ALCN_BENCH_MACHINE_LOAD_H

typedef struct bt_load {
  int ok;                 /* 0: /proc/stat unreadable (not Linux) */
  double wall_s, busy_s, ours_s;
} bt_load;

/* Start a window. */
void bt_load_begin(bt_load *l);
/* Other processes' share of the online CPUs (0..1) since bt_load_begin,
 * NAN when unknown. Call after the children of the window were waited for. */
double bt_load_other(const bt_load *l);
/* Online CPUs. */
int bt_load_cpus(void);

#endif
