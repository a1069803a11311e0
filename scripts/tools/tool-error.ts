/**
 * A tool is missing or cannot be installed. The message is for a person: it says what is missing and how to get it,
 * and is printed as it is, without a stack.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}
