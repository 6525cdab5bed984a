// A driver adapter that never reaches a database: it answers the schema engine's
// server-version probe as PostgreSQL 16.4 and accepts everything else.
const result = (rows) => ({
  columnNames: ["version"],
  columnTypes: [7],
  rows,
});
function adapter() {
  return {
    provider: "postgres",
    adapterName: "stub",
    async queryRaw(query) {
      if (/version/i.test(query.sql)) {
        return result([["PostgreSQL 16.4 on x86_64-pc-linux-gnu"]]);
      }
      return { columnNames: [], columnTypes: [], rows: [] };
    },
    async executeRaw() { return 0; },
    async executeScript() {},
    async startTransaction() { throw new Error("no transactions"); },
    getConnectionInfo() { return { schemaName: "public", supportsRelationJoins: true }; },
    async dispose() {},
  };
}
export const stubFactory = {
  provider: "postgres",
  adapterName: "stub",
  async connect() { return adapter(); },
  async connectToShadowDb() { return adapter(); },
};
