/*
 * The notifications contracts has sent, by key (`finding:<fingerprint>`, `recorded:<decision>`,
 * `reopened:<decision>:<evidence>`, `review:<decision>:<review-by>`): the replica that inserts a
 * key first sends it, so that a finding, a decision or a reminder notifies once, whatever the
 * number of replicas and recomputes.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_notifications_sent', table => {
    table.comment('Notifications sent by the contracts plugin, one row per key');
    table.string('key', 400).primary().notNullable();
    table.string('sent_at', 32).notNullable().comment('ISO time');
    table
      .string('claim', 36)
      .notNullable()
      .comment('the token of the call that inserted the key: it sends');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_notifications_sent');
};
