# front.mk — the front end: lexer, parser, AST, imports, sema.
# Included by the top Makefile (paths relative to the repository root).
# FRONT_SRC: the C files to compile (generated ones included);
# FRONT_GEN: the generated files, for `make clean`.

FRONT_GEN = compiler/lexer.c compiler/lexer.h compiler/parser.c compiler/parser.h
FRONT_SRC = compiler/lexer.c compiler/parser.c compiler/ast.c compiler/sema.c compiler/sema_net.c \
	compiler/sema_bc.c

# bison writes parser.h beside parser.c (-d); flex writes lexer.h with --header-file.
compiler/parser.c compiler/parser.h: compiler/parser.y
	bison -d -o compiler/parser.c compiler/parser.y

compiler/lexer.c compiler/lexer.h: compiler/lexer.l compiler/parser.h
	flex --header-file=compiler/lexer.h -o compiler/lexer.c compiler/lexer.l

# The generated scanner has unused static functions; keep that local.
FRONT_GEN_CFLAGS = -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter
compiler/lexer.o: CFLAGS += $(FRONT_GEN_CFLAGS)
compiler/parser.o: CFLAGS += $(FRONT_GEN_CFLAGS)

compiler/ast.o compiler/sema.o compiler/sema_net.o compiler/sema_bc.o: compiler/ast.h compiler/dpm.h
compiler/lexer.o compiler/parser.o: compiler/ast.h compiler/dpm.h compiler/parser.h compiler/lexer.h
