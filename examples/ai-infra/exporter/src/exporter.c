/* Node metrics in the Prometheus text format, read from /proc: load, memory, and this process's
 * architecture as a label. `--once` prints one scrape and exits (the image's self-test). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#ifndef EXPORTER_VERSION
#define EXPORTER_VERSION "dev"
#endif

static int read_loadavg(double load[3]) {
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return -1;
    int ok = fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3;
    fclose(f);
    return ok ? 0 : -1;
}

static long meminfo_kib(const char *key) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    long value = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            sscanf(line + klen + 1, "%ld", &value);
            break;
        }
    }
    fclose(f);
    return value;
}

int main(void) {
    struct utsname u;
    uname(&u);
    double load[3];
    if (read_loadavg(load) != 0) {
        fprintf(stderr, "exporter: cannot read /proc/loadavg\n");
        return 1;
    }
    printf("# HELP ai_infra_exporter_info Build information.\n# TYPE ai_infra_exporter_info gauge\n");
    printf("ai_infra_exporter_info{version=\"%s\",machine=\"%s\"} 1\n", EXPORTER_VERSION, u.machine);
    printf("# TYPE node_load1 gauge\nnode_load1 %.2f\nnode_load5 %.2f\nnode_load15 %.2f\n", load[0], load[1],
           load[2]);
    printf("# TYPE node_memory_available_bytes gauge\nnode_memory_available_bytes %ld\n",
           meminfo_kib("MemAvailable") * 1024);
    return 0;
}
