/**
 * Preloaded (`node --import ./bench/rss-preload.mjs ...`) into every process the benchmark
 * measures, ours and the baseline alike, so both are measured the same way: at exit it writes the
 * kernel's peak resident set size (getrusage ru_maxrss, which /proc/self/status calls VmHWM) and
 * the CPU time used to the file named by BENCH_STATS_FILE. Peak RSS is a high-water mark the
 * kernel keeps, so no sampling can miss a short spike.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_STATS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      out,
      JSON.stringify({
        maxRssBytes: u.maxRSS * 1024,
        userCpuMs: u.userCPUTime / 1000,
        systemCpuMs: u.systemCPUTime / 1000,
        uptimeMs: process.uptime() * 1000,
      }),
    );
  });
}
