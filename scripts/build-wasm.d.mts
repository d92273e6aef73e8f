// Types for test/unit/json-spans.test.ts, which compiles the scanner again to compare.
export declare const OUTPUT: string;
export declare function compiledModuleFile(): Promise<string>;
