// Task functions for the type-level test.
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
export async function greet(name: string, times: number): Promise<string> {
  return name.repeat(times);
}
