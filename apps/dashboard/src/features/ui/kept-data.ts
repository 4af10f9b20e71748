/**
 * While new variables load (a filter change), keep showing the previous answer instead of a
 * spinner: the view updates in place when the new one arrives.
 */
export function keptData<T>(result: { data?: T | undefined; previousData?: T | undefined }): T | undefined {
  return result.data ?? result.previousData;
}
