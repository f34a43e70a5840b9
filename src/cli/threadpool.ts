/**
 * Imported first by the CLI: a bigger libuv thread pool. Each admin request of the native addon
 * waits for its answer on a pool thread (up to admin.timeout.ms when a cluster is down), and the
 * default pool has 4 threads: a few requests to an unreachable cluster would stall file and DNS
 * work of the whole process. Set before the pool is first used (it is created lazily); an
 * operator's own UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '32';
