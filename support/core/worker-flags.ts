// Node flags of the process that runs the checks (the Vitest worker of `fabric` and `local`) and of the bench's own
// generator, so the bench measures our burst as the checks run it.

/**
 * A young generation of 64 MiB per semi-space (Node 20's default is 16): the max-rate burst keeps a round trip's worth
 * of encoded batches alive, and with the default, garbage collection took up to 30% of the sending thread.
 */
export const CHECK_WORKER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=64'];
