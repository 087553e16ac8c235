import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const nodeGlobals = {
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  URL: "readonly",
  TextDecoder: "readonly",
  TextEncoder: "readonly",
  AbortController: "readonly",
  fetch: "readonly",
  window: "readonly",
  document: "readonly",
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/dist/**",
      "**/generated/**",
      "**/next-env.d.ts",
      ".proofboard/**",
    ],
  },
  js.configs.recommended,
  // Type-aware: floating promises, promises passed where a callback returns void, and unsafe `any` flows are
  // the bugs a lint without types cannot see.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: nodeGlobals,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-control-regex": "off",
      // Settings are read and validated in one place; a stray read would skip the validation and the docs.
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "Read settings through env() from @proofboard/env, where they are validated (add new ones to its schema).",
        },
      ],
    },
  },
  {
    files: ["apps/web/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    settings: { next: { rootDir: "apps/web" } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
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
  {
    // Tests and tools read parsed JSON and driver results loosely by design; their assertions are the type check.
    files: ["tests/**", "e2e/**", "scripts/**", "bench/**", "**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // polling helpers take async predicates; a predicate that needs no await is still one
      "@typescript-eslint/require-await": "off",
      // expect(obj.method) checks the function itself, it never calls it unbound
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
