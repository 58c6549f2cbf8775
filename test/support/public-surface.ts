import ts from 'typescript';

// The published type surface, read from the built declaration files with the TypeScript
// compiler: one line per exported declaration (its kind and name), and under each class
// the public members it declares itself (inherited ones belong to the base class, named
// in `extends`). test/architecture/public-surface.test.ts compares it to a snapshot.

export interface SurfaceEntry {
  /** How the package is imported: `switchboard` or `switchboard/protocol`. */
  readonly specifier: string;
  /** The built declaration file of that entry. */
  readonly declarationFile: string;
}

function kindOf(symbol: ts.Symbol): string {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Variable) return 'const';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  return 'other';
}

/** Private and protected members, and `#private` fields, are not part of the surface. */
function isPublic(member: ts.Symbol): boolean {
  if (member.name.startsWith('__#') || member.name.startsWith('#')) return false;
  return (member.declarations ?? []).every((declaration) => {
    const flags = ts.getCombinedModifierFlags(declaration);
    return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
  });
}

function classLines(symbol: ts.Symbol): string[] {
  const declaration = symbol.declarations?.find(ts.isClassDeclaration);
  const heritage = declaration?.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword);
  const base = heritage ? ` extends ${heritage.types.map((type) => type.expression.getText()).join(', ')}` : '';
  const statics: string[] = [];
  const members: string[] = [];
  symbol.exports?.forEach((member) => {
    if (member.name !== 'prototype' && isPublic(member)) statics.push(`static ${member.name}`);
  });
  symbol.members?.forEach((member) => {
    if (isPublic(member)) members.push(member.name === '__constructor' ? 'constructor' : member.name);
  });
  return [base, ...[...statics.sort(), ...members.sort()].map((name) => `    ${name}`)];
}

/** The surface of each entry as text, one declaration per line, sorted by name. */
export function describeSurface(entries: readonly SurfaceEntry[]): string {
  const program = ts.createProgram(
    entries.map((entry) => entry.declarationFile),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'], noEmit: true },
  );
  const checker = program.getTypeChecker();
  const out: string[] = ['# The published type surface, generated from dist/**/*.d.ts by `npm run surface:update`.'];
  for (const entry of entries) {
    const source = program.getSourceFile(entry.declarationFile);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${entry.declarationFile}: run npm run build`);
    out.push(entry.specifier);
    const exported = checker.getExportsOfModule(moduleSymbol).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const alias of exported) {
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      const kind = kindOf(symbol);
      if (kind === 'class') {
        const [base, ...members] = classLines(symbol);
        out.push(`  class ${alias.name}${base}`, ...members);
      } else {
        out.push(`  ${kind} ${alias.name}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
