import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/.next/**", "**/dist/**", "**/generated/**", "**/next-env.d.ts", ".proofboard/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", AbortController: "readonly", fetch: "readonly", window: "readonly", document: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-control-regex": "off",
      // Settings are read and validated in one place; a stray read would skip the validation and the docs.
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read settings through env() from @proofboard/env, where they are validated (add new ones to its schema)." },
      ],
    },
  },
  {
    // packages/env is that place; tests, e2e, scripts and benchmarks set up environments for what they start;
    // the demo template is the target repository's own lane code; Prisma's CLI loads its config without the app.
    files: [
      "packages/env/**",
      "tests/**",
      "e2e/**",
      "scripts/**",
      "bench/**",
      "**/*.test.ts",
      "**/*.test.tsx",
      "packages/demo/template/**",
      "packages/db/prisma.config.ts",
      "vitest.config.ts",
    ],
    rules: { "no-restricted-properties": "off" },
  },
);
