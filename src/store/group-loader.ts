// Batching for workers that each want one row read or written: a group commit. A call made while no batch is in flight
// goes at the next turn of the event loop (with whatever else was asked in that turn); calls made while a batch is in
// flight wait for it and then go together. A busy pool of workers thus reads or writes dozens of rows per statement,
// and an idle one a lone row at once. Nothing is cached: every call is answered by the batch it went with.
import DataLoader from "dataloader";

/**
 * A DataLoader (no cache) whose batches wait for the one in flight (more than `maxBatch` calls gathered meanwhile go
 * as several batches at once). `load` gets the keys of one batch and answers
 * in their order (an Error in a key's place fails that call alone); a batch that throws fails each of its calls.
 */
export function groupLoader<K, V>(
  load: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  maxBatch = 64,
): DataLoader<K, V> {
  let inFlight: Promise<unknown> = Promise.resolve();
  return new DataLoader<K, V>(
    (keys) => {
      const batch = load(keys);
      inFlight = batch.catch(() => undefined);
      return batch;
    },
    {
      cache: false,
      maxBatchSize: maxBatch,
      // One turn of the event loop after the batch in flight: the calls its answers set off join the next batch.
      batchScheduleFn: (dispatch) => void inFlight.then(() => setImmediate(dispatch)),
    },
  );
}
