/*
 * The contract history's baseline (issue 22): one row (id 1) saying whether the first recording
 * ever (every contract and open finding, no events) is complete, and while it is written which
 * recorder writes it and until when (epoch milliseconds; renewed by every batch it writes). The
 * baseline is written in batches, each its own short transaction (at 100k entities one
 * transaction held over the whole recording was ~8 s, in which other writers on SQLite waited):
 * rows without a completed baseline row are a baseline still being written, or one cut off (a
 * crash), which the next writer deletes and writes again — never taken for a complete history.
 * A store that holds rows already when this runs was written by the one-transaction baseline
 * before: complete.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_history_baseline', table => {
    table.comment(
      'Whether the contract history baseline is complete, and who writes it until when (one row)',
    );
    table.integer('id').primary().comment('Always 1');
    table.string('writer', 64).nullable().comment('null: none writes it');
    table
      .bigInteger('expires_at')
      .notNullable()
      .comment("Epoch milliseconds: the writer's lease");
    table
      .string('completed_at', 64)
      .nullable()
      .comment('ISO time; null: not complete');
  });
  const [entity, finding] = await Promise.all([
    knex('contracts_history_entities').select('entity_ref').first(),
    knex('contracts_history_findings').select('finding_id').first(),
  ]);
  await knex('contracts_history_baseline').insert({
    id: 1,
    writer: null,
    expires_at: 0,
    completed_at: entity || finding ? new Date().toISOString() : null,
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_history_baseline');
};
