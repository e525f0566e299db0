// Minimal declarations for the part of eslint-scope (which ships no types) that task.ts uses.
declare module 'eslint-scope' {
  interface Reference {
    identifier: { name: string };
  }
  interface Scope {
    through: Reference[];
  }
  interface ScopeManager {
    globalScope: Scope | null;
  }
  export function analyze(
    ast: unknown,
    options: { ecmaVersion: number; sourceType: 'script' | 'module'; ignoreEval?: boolean },
  ): ScopeManager;
}
