/*
 * Contract history: what each recompute of the graph changed.
 *
 * - `contracts_history_changes`: one row per recompute that changed something (`id` is the
 *   order they were written in; `at` when).
 * - `contracts_history_events`: what a change holds: an entity's contract changed (`contract`),
 *   a finding `opened`, `closed` or `changed` its evidence. `body` is JSON (the contract's
 *   changes, the finding before and after). Indexed by the entities they involve.
 * - `contracts_history_entities` / `contracts_history_findings`: the last recorded state of each
 *   contract (hash and normalized contract) and each finding (evidence hash and what it said).
 *   A replica records a change only by moving this state from the value it saw before (compare
 *   and set, in the transaction that writes the events): two replicas that compute the same
 *   change write it once.
 *
 * Decisions are not copied here: the history reads `contracts_decision_events`.
 * Bounded: the oldest changes are deleted by age and by the number of events
 * (`contracts.history.*`).
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_history_changes', table => {
    table.comment('Recomputes of the contracts graph that changed something');
    table.bigIncrements('id').primary();
    table.string('at', 64).notNullable().comment('ISO timestamp');
    table.index(['at'], 'contracts_history_changes_at_idx');
  });
  await knex.schema.createTable('contracts_history_events', table => {
    table.comment('What one change of the contracts graph holds');
    table.bigIncrements('id').primary();
    table.bigInteger('change_id').notNullable();
    table
      .string('kind', 16)
      .notNullable()
      .comment('contract | opened | closed | changed');
    table
      .string('entity_ref', 512)
      .nullable()
      .comment('contract: the entity whose contract changed (lower case)');
    table.string('finding_id', 128).nullable();
    table.string('consumer', 512).nullable().comment('lower case');
    table.string('provider', 512).nullable().comment('lower case');
    table
      .string('hash', 128)
      .nullable()
      .comment('the contract hash or evidence hash after (null: gone)');
    table
      .string('previous_hash', 128)
      .nullable()
      .comment('the contract hash or evidence hash before (null: new)');
    table.text('body').notNullable().comment('JSON');
    table.index(['change_id'], 'contracts_history_events_change_idx');
    table.index(['entity_ref'], 'contracts_history_events_entity_idx');
    table.index(['consumer'], 'contracts_history_events_consumer_idx');
    table.index(['provider'], 'contracts_history_events_provider_idx');
  });
  await knex.schema.createTable('contracts_history_entities', table => {
    table.comment('The last recorded contract of each entity');
    table.string('entity_ref', 512).primary().comment('lower case');
    table.string('hash', 128).notNullable();
    table.text('contract').notNullable().comment('JSON, without locations');
  });
  await knex.schema.createTable('contracts_history_findings', table => {
    table.comment('The last recorded state of each open finding');
    table.string('finding_id', 128).primary();
    table.string('evidence_hash', 128).notNullable();
    table.text('finding').notNullable().comment('JSON');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_history_findings');
  await knex.schema.dropTable('contracts_history_entities');
  await knex.schema.dropTable('contracts_history_events');
  await knex.schema.dropTable('contracts_history_changes');
};
