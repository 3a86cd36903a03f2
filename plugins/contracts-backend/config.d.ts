export interface Config {
  /** Configuration of the Backstage Contracts backend. */
  contracts?: {};
}
