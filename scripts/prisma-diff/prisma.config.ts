// Runs Prisma's bundled WebAssembly schema engine against a driver adapter that never reaches a
// database (stub-adapter.mjs), so `prisma migrate diff` works offline (scripts/prisma-diff.sh).
import { defineConfig } from "prisma/config";
import { stubFactory } from "./stub-adapter.mjs";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => stubFactory,
});
