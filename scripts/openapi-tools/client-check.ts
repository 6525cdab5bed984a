// Compiled (never run) by the test script against the types openapi-typescript generates from
// docs/api/openapi.json: if an operation, a body or a field used here changes shape, `tsc`
// fails, as a TypeScript client built on these types would.
import type { components, operations } from "../../.test-work/openapi-ts/schema";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Schemas = components["schemas"];

// Register, verify, take a token pair.
const registration: Json<operations["auth-register"]["requestBody"]> = {
  email: "ada@example.com",
  password: "a long and unguessable passphrase",
};
const verification: Json<operations["auth-verify-email"]["requestBody"]> = {
  token: "from the mail",
  password: registration.password,
};
type Tokens = Json<operations["auth-token"]["responses"][200]>;
// With 2FA on, the answer is a challenge instead of tokens: the union makes a client check.
function bearer(tokens: Tokens): string | undefined {
  return "access_token" in tokens ? `${tokens.token_type} ${tokens.access_token}` : undefined;
}

// Create a project, read it back by its link, list a page.
const newProject: Json<operations["projects-create"]["requestBody"]> = {
  name: "Launch",
  description: "The spring release",
};
type Created = Json<operations["projects-create"]["responses"][201]>;
const createdId = (created: Created): Schemas["Project"]["id"] => created.id;
type ProjectPage = Json<operations["projects-list"]["responses"][200]>;
const names = (page: ProjectPage): string[] => page.items.map((p) => p.name);
const next = (page: ProjectPage): string | null | undefined => page.next_cursor;

// The conditional headers and the idempotency key are declared parameters.
type UpdateHeaders = NonNullable<operations["projects-update"]["parameters"]["header"]>;
const update: UpdateHeaders = { "If-Match": '"0123abcd"' };
type CreateHeaders = NonNullable<operations["projects-create"]["parameters"]["header"]>;
const create: CreateHeaders = { "Idempotency-Key": "8d6f0e2c-create-1" };

// Every error is a problem document.
function explain(problem: Schemas["Problem"]): string {
  const fields = (problem.errors ?? []).map((e) => e.field).join(", ");
  return `${problem.status} ${problem.code}: ${problem.detail}${fields ? ` (${fields})` : ""}`;
}

export { verification, bearer, newProject, createdId, names, next, update, create, explain };
