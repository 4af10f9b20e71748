/**
 * Every stage has this shape: constructing does nothing, `start` starts, `stop` stops gracefully
 * (finishing or handing back in-flight work).
 */
export interface Stage {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
