export interface Config {
  /** Configuration of Backstage Contracts. */
  contracts?: {
    /** What the contracts frontend reads (the other `contracts` keys belong to the backend). */
    frontend?: {
      /**
       * Seconds between the background refetches of an entity's contracts, conflicts and
       * decisions while its page is shown and visible (at least 5); 0 turns these periodic
       * refetches off (not the sooner ones below). While the backend is
       * still catching up with the catalog (a `stale` answer, or the entity not read yet) the
       * cards ask again sooner: after 2 s, then 4, 8, 16 and every 30 s at most. Default 60.
       * @visibility frontend
       */
      refreshIntervalSeconds?: number;
    };
  };
}
