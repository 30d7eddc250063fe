/**
 * Bounds and timing of a batch processor. Every option has a default; the
 * queue (the batch being exported included) never holds more than
 * `maxQueueSize` records nor more than `maxQueueBytes` bytes. Records wait
 * there, and are retried, for as long as the collector is unreachable; when a
 * new record does not fit, the oldest waiting records are pushed out to make
 * room, and counted `dropped`.
 */
export interface BatchProcessorConfig {
  /**
   * Most records held (waiting, or in the batch being exported); beyond it the oldest waiting records are dropped.
   * @default 2048
   */
  maxQueueSize?: number;
  /**
   * Most bytes (serialized JSON, UTF-8) held; beyond it the oldest waiting records are dropped.
   * The records a monitor builds count with an upper bound of their size, computed without
   * serializing them; records passed to `onEnd` with their exact size.
   * @default 8388608 (8 MiB)
   */
  maxQueueBytes?: number;
  /**
   * Most records in one export; a full batch is exported without waiting for the delay.
   * @default 512
   */
  maxExportBatchSize?: number;
  /**
   * Most bytes (serialized JSON, UTF-8) in one export (at most `maxQueueBytes`); a record larger than this is dropped.
   * @default 1048576 (1 MiB)
   */
  maxExportBatchBytes?: number;
  /**
   * Longest time a record waits before its batch is exported.
   * @default 1000
   */
  scheduledDelayMillis?: number;
}
