// API keys are looked up when the first request needs the network, never at
// construction: replaying a cache needs neither the key nor env permission.

/**
 * Reads an API key from the environment variable `variable`, turning a
 * missing permission or an unset variable into an error that says what to do.
 */
export function readApiKey(variable: string): string {
  let value: string | undefined;
  try {
    value = Deno.env.get(variable);
  } catch (error) {
    if (isPermissionError(error)) {
      throw new Deno.errors.NotCapable(
        `reading the API key needs env permission for ${variable}: ` +
          `run with --allow-env=${variable}, or pass { apiKey } to the constructor`,
        { cause: error },
      );
    }
    throw error;
  }
  if (value === undefined || value.trim() === "") {
    throw new Error(
      `${variable} is not set: export ${variable}=<your key>, or pass { apiKey } to the constructor`,
    );
  }
  return value.trim();
}

/** Whether `error` is Deno's "permission not granted" error. */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}
