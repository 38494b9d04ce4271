/**
 * tr46's generated Unicode tables (lib/regexes.js, CommonJS; the package has no export map and no types of
 * its own for this file). Pinned to tr46 ~6.0 in the catalog: a release that moves the file fails the build.
 */
declare module 'tr46/lib/regexes.js' {
  const regexes: {
    /** A character of Bidi class R, AL or AN: the name is a Bidi domain name (RFC 5893 1.4). */
    readonly bidiDomain: RegExp;
    readonly bidiS1LTR: RegExp;
    readonly bidiS1RTL: RegExp;
    readonly bidiS2: RegExp;
    readonly bidiS3: RegExp;
    readonly bidiS4EN: RegExp;
    readonly bidiS4AN: RegExp;
    readonly bidiS5: RegExp;
    readonly bidiS6: RegExp;
  };
  export default regexes;
}
