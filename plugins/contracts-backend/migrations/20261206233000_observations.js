/*
 * What Prometheus measured for the bound promises of contracts (`latency.metric`,
 * `freshness.metric`): one row per entity and measurement (kind, subject, percentile), replaced
 * at every run of the runtime verification task. A run that fails keeps the last good value
 * (value, measured_at) beside its own status, error and time (checked_at).
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_observations', table => {
    table.comment(
      'Observed values of bound promises (Prometheus), the last good value kept',
    );
    table.string('entity_ref', 255).notNullable();
    table
      .string('observation_key', 255)
      .notNullable()
      .comment('kind|subject|percentile');
    table
      .string('status', 16)
      .notNullable()
      .comment('ok | failing | no-data | several-series');
    table
      .double('value')
      .nullable()
      .comment('milliseconds; the last good value when the status is not ok');
    table.string('measured_at', 32).nullable().comment('ISO time of value');
    table.string('checked_at', 32).notNullable().comment('ISO time of the run');
    table
      .text('observation')
      .notNullable()
      .comment('the whole observation (query, window, series, error), JSON');
    table.primary(['entity_ref', 'observation_key']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_observations');
};
