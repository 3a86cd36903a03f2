/*
 * A persisted snapshot's body in pieces (issue 22): at 100k entities it is ~27 MB compressed,
 * and the driver copies a bound value into its message in one task of the event loop (pg's
 * bind: 0.8-1.7 s at 100k on the shared 2-core VM, in bench:scale's profiles). Written a piece
 * per statement (1 MB each, in the snapshot's transaction) and read a piece per query.
 *
 * - `contracts_graph_snapshot_pieces`: the pieces of a snapshot, by `version` and `seq` (0, 1,
 *   …), the body being their concatenation.
 * - `contracts_graph_snapshots.pieces`: how many pieces a snapshot has; null for a row written
 *   before (its body is in `body`, still read). `stored_bytes`: the body's stored size (null
 *   before: `length(body)`).
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('contracts_graph_snapshot_pieces', table => {
    table.comment(
      'The pieces of a persisted snapshot of the contracts graph, in order',
    );
    table.bigInteger('version').notNullable().comment('Its snapshot');
    table.integer('seq').notNullable().comment('0, 1, …: the order');
    table.binary('bytes').notNullable();
    table.primary(['version', 'seq']);
  });
  await knex.schema.alterTable('contracts_graph_snapshots', table => {
    table
      .integer('pieces')
      .nullable()
      .comment(
        'Pieces of the body in contracts_graph_snapshot_pieces; null: in body',
      );
    table
      .bigInteger('stored_bytes')
      .nullable()
      .comment('Stored (compressed) size of the body');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  // a snapshot in pieces cannot be read by the release before: gone with them
  await knex('contracts_graph_snapshots').whereNotNull('pieces').delete();
  await knex.schema.alterTable('contracts_graph_snapshots', table => {
    table.dropColumn('pieces');
    table.dropColumn('stored_bytes');
  });
  await knex.schema.dropTable('contracts_graph_snapshot_pieces');
};
