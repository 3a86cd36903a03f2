/*
 * The conflict graph as the computing replica last published it, for every replica to serve
 * (issue 22: one persisted truth for all replicas, instant restarts).
 *
 * - `contracts_graph_snapshots`: one row per published snapshot. `version` (the database's own
 *   increasing id) orders them; `format` is the layout of the serialized body (a replica adopts
 *   only the format it reads); `body` is the serialized snapshot, compressed (`encoding`).
 *   The computing replica keeps the last few rows and deletes the older ones.
 * - `contracts_graph_snapshot_head`: one row (id 1), the one every replica polls: the latest
 *   version and when the computing replica last checked the catalog (`checked_at`), so that a
 *   replica can tell a snapshot nobody keeps current any more.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_graph_snapshots', table => {
    table.comment(
      'Persisted snapshots of the contracts conflict graph (the last few are kept)',
    );
    table.bigIncrements('version').primary();
    table
      .integer('format')
      .notNullable()
      .comment('Layout of the serialized snapshot');
    table
      .string('encoding', 16)
      .notNullable()
      .comment('Compression of body: gzip | br | identity');
    table.binary('body').notNullable().comment('The serialized snapshot');
    table.bigInteger('size_bytes').notNullable().comment('Uncompressed size');
    table.string('computed_at', 32).notNullable().comment('ISO time');
    table
      .string('checked_at', 32)
      .notNullable()
      .comment('ISO time: the catalog as of then');
    table.string('created_at', 32).notNullable().comment('ISO time');
    table
      .string('computed_by', 128)
      .nullable()
      .comment('The replica that computed it');
    table.index(['format', 'version'], 'contracts_graph_snapshots_format_idx');
  });
  await knex.schema.createTable('contracts_graph_snapshot_head', table => {
    table.comment(
      'The latest persisted snapshot of the contracts graph: the row replicas poll',
    );
    table.integer('id').primary().comment('Always 1');
    table.bigInteger('version').notNullable();
    table.integer('format').notNullable();
    table.string('computed_at', 32).notNullable().comment('ISO time');
    table
      .string('checked_at', 32)
      .notNullable()
      .comment(
        'ISO time: when the computing replica last read the catalog successfully',
      );
    table.string('computed_by', 128).nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('contracts_graph_snapshot_head');
  await knex.schema.dropTable('contracts_graph_snapshots');
};
