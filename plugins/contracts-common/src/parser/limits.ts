/**
 * Bounds that keep parsing a contract cheap and safe whatever the input: a source that crosses
 * one of them gives a located problem instead of a hang, a stack overflow or an exception.
 */

/**
 * Default limits of the contract parser.
 * @public
 */
export const CONTRACT_PARSER_LIMITS = Object.freeze({
  /** Largest source text, in characters (256 KiB); a contract file is usually under 10 KiB. */
  maxSourceLength: 256 * 1024,
  /**
   * Deepest nesting of collections. The contract grammar needs 5 levels; checked before parsing
   * for flow collections (`[[[…]]]`) and while reading the document for block ones.
   */
  maxDepth: 64,
  /**
   * Most values read from one source, counting every use of an alias again: stops alias bombs
   * ("billion laughs") the way `yaml`'s own `maxAliasCount` does for `toJS`.
   */
  maxNodes: 100_000,
  /** Most alias uses (`*anchor`) in one source, as `yaml`'s `maxAliasCount` default. */
  maxAliasCount: 100,
  /** Most problems reported for one source; the rest are counted in a last problem. */
  maxProblemsPerSource: 100,
});

/**
 * Limits of the contract parser, all optional.
 * @public
 */
export type ContractParserLimits = Partial<typeof CONTRACT_PARSER_LIMITS>;
