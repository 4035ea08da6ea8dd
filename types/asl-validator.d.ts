// asl-validator ships no types; this is the part of its API we use.
declare module 'asl-validator' {
  interface Result {
    isValid: boolean;
    errors: Array<{ 'Error code': string; Message: string }>;
    errorsText: (separator?: string) => string;
  }
  function aslValidator(definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }): Result;
  export default aslValidator;
}
