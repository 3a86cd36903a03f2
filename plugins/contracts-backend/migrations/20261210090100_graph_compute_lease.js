/*
 * Which replica computes the conflict graph (issue 22): one row (id 1) naming the holder and
 * until when its lease runs (epoch milliseconds). The holder renews it every poll; another
 * replica takes it over once it has run out, or at once when the holder releases it on shutdown.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_graph_compute_lease', table => {
    table.comment(
      'The replica that computes the contracts graph, and until when (one row)',
    );
    table.integer('id').primary().comment('Always 1');
    table.string('holder', 128).notNullable();
    table
      .bigInteger('expires_at')
      .notNullable()
      .comment('Epoch milliseconds; 0 when released');
    table.string('acquired_at', 32).notNullable().comment('ISO time');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_graph_compute_lease');
};
