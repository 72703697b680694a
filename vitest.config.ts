import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests never assert durations; these timeouts only turn a hang into a failure.
    // Prints the suites skipped for a missing real part (Dovecot, Chromium, ...) as the last lines.
    globalSetup: ['test/helpers/skip-summary.ts'],
  },
});
