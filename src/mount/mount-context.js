export {};
//# sourceMappingURL=mount-context.js.map