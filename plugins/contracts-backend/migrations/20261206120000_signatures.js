/*
 * Signatures, withdrawals and a change log with a cursor for the replicas' sync.
 *
 * - `contracts_decision_events`: append-only. Every write adds rows here in the transaction that
 *   writes the record: `recorded` (a new record), `signed` (a decider's verdict), `withdrawn`.
 *   `seq` is the cursor every replica syncs by (an indexed, increasing column), instead of
 *   re-reading a window of `recorded_at`.
 * - `contracts_decisions.required_deciders`: the deciders the engine named when the record was
 *   made (JSON array of entity refs); null on records made before, whose `deciders` came from
 *   the request and are not trusted: such a record is never accepted.
 * - `contracts_decisions.request_hash`: the hash of the request body, so that an Idempotency-Key
 *   used again with another body is refused (422) instead of answered with the first record.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('contracts_decisions', table => {
    table
      .text('required_deciders')
      .nullable()
      .comment('JSON array of entity refs, from the engine');
    table
      .string('request_hash', 64)
      .nullable()
      .comment('sha256 of the request body');
  });
  await knex.schema.createTable('contracts_decision_events', table => {
    table.comment(
      'Append-only log of what happens to decision records; seq is the sync cursor',
    );
    table.bigIncrements('seq').primary();
    table.string('decision_id', 36).notNullable();
    table.string('finding_id', 128).notNullable();
    table
      .string('kind', 16)
      .notNullable()
      .comment('recorded | signed | withdrawn');
    table
      .string('decider', 512)
      .nullable()
      .comment('signed: the decider signed for');
    table.string('verdict', 16).nullable().comment('signed: accept | reject');
    table
      .string('actor', 512)
      .notNullable()
      .comment('who recorded, signed or withdrew');
    table.string('at', 64).notNullable().comment('ISO timestamp');
    table
      .string('carried_from', 36)
      .nullable()
      .comment('a rejection carried over from the superseded record');
    table.index(['decision_id'], 'contracts_decision_events_decision_idx');
  });
  const rows = await knex('contracts_decisions')
    .select('id', 'finding_id', 'recorded_by', 'recorded_at')
    .orderBy([
      { column: 'recorded_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
  for (let i = 0; i < rows.length; i += 200) {
    await knex('contracts_decision_events').insert(
      rows.slice(i, i + 200).map(r => ({
        decision_id: r.id,
        finding_id: r.finding_id,
        kind: 'recorded',
        actor: r.recorded_by,
        at: r.recorded_at,
      })),
    );
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_decision_events');
  await knex.schema.alterTable('contracts_decisions', table => {
    table.dropColumn('required_deciders');
    table.dropColumn('request_hash');
  });
};
