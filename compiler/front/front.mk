# front.mk — the front end: lexer, parser, AST, imports, sema.
# Included by the top Makefile (paths relative to the repository root).
# FRONT_SRC: the C files to compile (generated ones included);
# FRONT_GEN: the generated files, for `make clean`.

FRONT_GEN = compiler/front/lexer.c compiler/front/lexer.h compiler/front/parser.c compiler/front/parser.h
FRONT_SRC = compiler/front/lexer.c compiler/front/parser.c compiler/front/ast.c compiler/front/sema.c compiler/front/sema_net.c \
	compiler/front/sema_bc.c compiler/front/sema_fields.c compiler/front/sema_chain.c compiler/front/sema_spring.c

# bison writes parser.h beside parser.c (-d); flex writes lexer.h with --header-file.
compiler/front/parser.c compiler/front/parser.h: compiler/front/parser.y
	bison -d -o compiler/front/parser.c compiler/front/parser.y

compiler/front/lexer.c compiler/front/lexer.h: compiler/front/lexer.l compiler/front/parser.h
	flex --header-file=compiler/front/lexer.h -o compiler/front/lexer.c compiler/front/lexer.l

# The generated scanner has unused static functions; keep that local.
FRONT_GEN_CFLAGS = -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter
compiler/front/lexer.o: CFLAGS += $(FRONT_GEN_CFLAGS)
compiler/front/parser.o: CFLAGS += $(FRONT_GEN_CFLAGS)

compiler/front/ast.o compiler/front/sema.o compiler/front/sema_net.o compiler/front/sema_bc.o compiler/front/sema_fields.o compiler/front/sema_chain.o compiler/front/sema_spring.o: compiler/front/ast.h compiler/dpm.h compiler/front/sema_fields.h
compiler/front/lexer.o compiler/front/parser.o: compiler/front/ast.h compiler/dpm.h compiler/front/parser.h compiler/front/lexer.h
