/*
 * Trade-off decision records: append-only. A change is a new row whose `supersedes` names the
 * row it replaces; nothing is ever updated or deleted.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_decisions', table => {
    table.comment('Trade-off decision records of Backstage Contracts (append-only)');
    table.string('id', 36).primary().notNullable().comment('uuid');
    table.string('finding_id', 128).notNullable().comment('Fingerprint of the finding answered');
    table.string('evidence_hash', 128).notNullable().comment('Evidence hash of the finding when recorded');
    table.string('rule', 128).notNullable();
    table.string('consumer', 512).notNullable();
    table.string('provider', 512).notNullable();
    table.string('subject', 512).notNullable();
    table.text('title').notNullable();
    table.text('context').nullable();
    table.text('options').notNullable().comment('JSON array of the options considered');
    table.text('decision').notNullable();
    table.text('rationale').notNullable();
    table.text('deciders').notNullable().comment('JSON array of entity refs');
    table.string('status', 32).notNullable().comment('proposed | accepted | rejected');
    table.string('review_by', 64).nullable();
    table.string('supersedes', 36).nullable().unique().comment('The record this one replaces; at most one successor');
    table.string('recorded_by', 512).notNullable();
    table.string('recorded_at', 64).notNullable().comment('ISO timestamp');
    table.string('idempotency_key', 256).nullable();
    table.unique(['recorded_by', 'idempotency_key'], {
      indexName: 'contracts_decisions_idempotency_idx',
    });
    table.index(['finding_id'], 'contracts_decisions_finding_idx');
    table.index(['consumer'], 'contracts_decisions_consumer_idx');
    table.index(['provider'], 'contracts_decisions_provider_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_decisions');
};
