/** A bad command line: the commands print it with their usage and exit 2. */
export class UsageError extends Error {}
