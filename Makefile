# Makefile — dpmc, its runtime and its tests.  Run ./configure first.
#   make [SANITIZE=1]   ./dpmc and runtime/libdpmrt.a
#   make check          everything fast (tests/run); CI adds SANITIZE=1
#   make bench | demo | fuzz | install [PREFIX=... DESTDIR=... PYTHON_DIR=...] | clean

VERSION = 0.1.0

# the first target, before any included rule can take its place
all:

-include config.mk
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifeq ($(wildcard config.mk),)
$(error config.mk is missing: run ./configure first)
endif
ifeq ($(CAIRO_LIBS),)
$(error config.mk has no CAIRO_LIBS (it is older than the REPL's plots): run ./configure again)
endif
ifeq ($(MPI_LIBS),)
$(error config.mk has no MPI_LIBS (it is older than train's MPI): run ./configure again)
endif
endif
include compiler/front/front.mk

CFLAGS = -std=c11 -Wall -Wextra -Wpedantic -O2 -g
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer
endif
# the compiler's folders: front end, middle (the IR), backends, command line
DPM_INC = -Icompiler -Icompiler/front -Icompiler/middle -Icompiler/back -Icompiler/cli
DPM_CFLAGS = $(CFLAGS) $(SAN) $(DPM_INC) $(SNDFILE_CFLAGS) $(FFTW_CFLAGS) $(EDIT_CFLAGS) $(CAIRO_CFLAGS) -MMD -MP \
	-DDPM_VERSION='"$(VERSION)"' -DDPM_TCC_LIBDIR='"$(TCC_LIBDIR)"' \
	-DDPM_LIBDIR='"$(PREFIX)/lib/dpm"'
# The runtime goes into executables dpmc builds with plain cc: never
# sanitized, and position-independent so a shared object can take it.
RT_CFLAGS = $(CFLAGS) -fPIC $(SNDFILE_CFLAGS) $(FFTW_CFLAGS) -MMD -MP
# dpmc's runtime allocates under util.c's test hook (tests/memory)
RT_HOOK = -Dmalloc=mem_try_malloc -Dcalloc=mem_try_calloc -Drealloc=mem_try_realloc

# the middle (model -> scheme -> loop IR) and the C emitter: what
# tests/fuzz/fuzz_middle runs beside the front end
MIDDLE_SRC = compiler/middle/expr.c compiler/middle/discretise.c \
	compiler/middle/lower.c compiler/middle/plate.c compiler/middle/step.c compiler/back/emit_c.c compiler/back/emit_loop.c compiler/back/emit_ck.c compiler/back/emit_vjp.c compiler/back/emit_parts.c compiler/back/emit_bow.c compiler/middle/diff.c \
	compiler/middle/sav.c compiler/back/emit_sav.c compiler/back/emit_out.c compiler/back/emit_energy.c
COMPILER_SRC = compiler/util.c $(MIDDLE_SRC) \
	compiler/cli/main.c compiler/cli/cli_params.c \
	compiler/cli/cli_build.c compiler/back/build_lv2.c compiler/back/build_wasm.c \
	compiler/cli/cli_fit.c compiler/cli/cli_fit_pitch.c compiler/cli/cli_repl.c compiler/cli/plot.c \
	compiler/cli/cli_data.c compiler/cli/cli_train.c \
	compiler/back/jit_tcc.c compiler/back/jit_cc.c compiler/back/jit_module.c
SRC = $(COMPILER_SRC) $(FRONT_SRC)
RT_SRC = runtime/wav.c runtime/out.c runtime/msg.c runtime/loss.c runtime/optim.c runtime/partials.c runtime/params.c
# dpmc takes its own build of the runtime, sanitized with it
OBJ = $(SRC:.c=.o) $(RT_SRC:.c=-dpmc.o)
RT_OBJ = $(RT_SRC:.c=.o)
# The LLVM backend is a module dpmc dlopens (jit_module.c), so dpmc maps
# libLLVM only for --backend llvm; -isystem keeps LLVM's headers out of
# our warnings.  The module calls dpmc's functions: dpmc exports them (-E).
LLVM_SRC = compiler/back/jit_llvm.c compiler/back/jit_llvm_adj.c
LLVM_OBJ = $(LLVM_SRC:.c=.o)
ifneq ($(LLVM_CONFIG),)
LLVM_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(LLVM_CONFIG) --cflags))
LLVM_LIBS := $(shell $(LLVM_CONFIG) --ldflags --libs core orcjit native passes)
endif
# MPI, for train under mpirun: a module dpmc dlopens there only
# (cli_train.c), so no other command loads libmpi.
MPI_OBJ = compiler/cli/cli_mpi.o
LIBS = runtime/libdpmrt.a $(TCC_LIBS) $(SNDFILE_LIBS) $(FFTW_LIBS) $(EDIT_LIBS) $(CAIRO_LIBS) \
	-ldl -lpthread -lm -Wl,-E

# A change of SANITIZE (or CC, CFLAGS, RT_HOOK) rebuilds everything: the stamp
# file's content is the flags, rewritten only when they differ.
STAMP = .build-flags
STAMP_TEXT = CC=$(CC) SANITIZE=$(SANITIZE) CFLAGS=$(CFLAGS) RT_HOOK=$(RT_HOOK)
# (Goals that build nothing of dpmc leave it alone: tests/fuzz runs
# `make fuzz` in the middle of a sanitized `make check`.)
ifneq ($(filter-out clean fuzz,$(MAKECMDGOALS))$(if $(MAKECMDGOALS),,all),)
$(shell [ "$$(cat $(STAMP) 2>/dev/null)" = "$(STAMP_TEXT)" ] || echo "$(STAMP_TEXT)" > $(STAMP))
endif

all: dpmc dpmc-llvm.so dpmc-mpi.so runtime/libdpmrt.a

dpmc: $(OBJ) runtime/libdpmrt.a
	$(CC) $(SAN) -o $@ $(OBJ) $(LIBS)

dpmc-llvm.so: $(LLVM_OBJ)
	$(CC) $(SAN) -shared -o $@ $(LLVM_OBJ) $(LLVM_LIBS)

dpmc-mpi.so: $(MPI_OBJ)
	$(CC) $(SAN) -shared -o $@ $(MPI_OBJ) $(MPI_LIBS)

runtime/libdpmrt.a: $(RT_OBJ)
	rm -f $@
	ar rcs $@ $(RT_OBJ)

$(OBJ) $(LLVM_OBJ) $(MPI_OBJ): $(STAMP) | $(FRONT_GEN)
$(RT_OBJ): $(STAMP)

compiler/%.o: compiler/%.c
	$(CC) $(DPM_CFLAGS) -c -o $@ $<

ifeq ($(SANITIZE),1)
# gcc 12 with -fsanitize=undefined warns "null format string" about
# the va_list forwarding of util.c and emit_c.c, which cannot be NULL: a
# false positive.
compiler/util.o compiler/back/emit_c.o: DPM_CFLAGS += -Wno-format-overflow -Wno-format-truncation
endif

$(LLVM_OBJ): DPM_CFLAGS += -fPIC $(LLVM_CFLAGS)
$(MPI_OBJ): DPM_CFLAGS += -fPIC $(MPI_CFLAGS)

# the checkpoints' C, the same for every model, as one string per line
# (and the LV2 wrapper's, for build -o X.lv2)
compiler/back/emit_ck.o: compiler/back/ck_text.h compiler/back/api_text.h
# and the web page of dpmc build -o X.html (build_wasm.c)
compiler/back/build_lv2.o: compiler/back/lv2_text.h
compiler/back/build_wasm.o: compiler/back/wasm_page_text.h
compiler/back/ck_text.h compiler/back/api_text.h compiler/back/lv2_text.h compiler/back/wasm_page_text.h: compiler/back/%_text.h: compiler/back/%.tmpl
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n",/' $< > $@

runtime/%-dpmc.o: runtime/%.c
	$(CC) $(DPM_CFLAGS) $(RT_HOOK) -c -o $@ $<

runtime/%.o: runtime/%.c
	$(CC) $(RT_CFLAGS) -c -o $@ $<

-include $(OBJ:.o=.d) $(LLVM_OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(RT_OBJ:.o=.d)

check: all
	CC='$(CC)' sh tests/run

bench: all
	sh tests/bench/run.sh

demo: all
	@mkdir -p out/demo
	@for f in examples/*.dpm; do \
		n=$$(basename $$f .dpm); \
		./dpmc render $$f -d 2 -o out/demo/$$n.wav || exit 1; \
		echo "demo: out/demo/$$n.wav"; \
	done
	@# then fit the bass to the first second of a real pizzicato (C2;
	@# RECORDINGS=DIR to move it), with fit's defaults: ~10-20 s
	@rec='$(or $(RECORDINGS),../shared/data/recordings)/pizz_c2_vl3_rr1.wav'; \
	if [ ! -f "$$rec" ]; then \
		echo "demo: no $$rec (set RECORDINGS=DIR): fit skipped"; exit 0; \
	fi; \
	if ! command -v sox >/dev/null; then \
		echo "demo: sox is needed to trim $$rec: fit skipped"; exit 0; \
	fi; \
	sox "$$rec" out/demo/c2.wav trim 0 1 || exit 1; \
	echo "demo: fitting examples/bass_fit.dpm to out/demo/c2.wav (the first second of $$rec):"; \
	echo "demo: partials first (f0, B), then every param (300 steps, the level-free spec loss)"; \
	./dpmc fit examples/bass_fit.dpm --target out/demo/c2.wav \
		--fit f0,B,T60lo,T60hi,xe,xo,amp --steps 300 \
		-o out/demo/bass_fit.json --render out/demo/bass_fitted.wav \
		--loss-curve out/demo/bass_fit_loss.csv || exit 1; \
	echo "demo: fitted params (out/demo/bass_fit.json):"; \
	cat out/demo/bass_fit.json; \
	echo "demo: loss $$(./dpmc grad examples/bass_fit.dpm --target out/demo/c2.wav --loss spec | sed 's/.*"loss": \([^,]*\),.*/\1/') at the start (f0 = 67, 3 % sharp)"; \
	echo "demo: out/demo/bass_fitted.wav (the fit), out/demo/c2.wav (the recording)"; \
	echo "demo: out/demo/bass_fit_loss.csv (loss per step)"

FUZZ_CC = $(shell command -v clang-14 || echo clang)
# libFuzzer under ASan+UBSan: the front end, the sound files a target is
# read from (rt_wav_read) and the --params JSON reader (cli_params.c).
# Each: tests/fuzz/fuzz_X -max_total_time=60 SCRATCH_DIR tests/fuzz/CORPUS
# (FUZZ_OPT: tests/fuzz builds them -O0, to run 1 s each, not minutes)
FUZZ_OPT = -O1
FUZZ_FLAGS = -g $(FUZZ_OPT) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(DPM_INC) -Iruntime
FUZZ_OUT = tests/fuzz
fuzz: $(FRONT_GEN)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $(FUZZ_OUT)/fuzz_front tests/fuzz/fuzz_front.c $(FRONT_SRC) \
		compiler/util.c runtime/msg.c compiler/middle/expr.c compiler/middle/plate.c -lm
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_MIDDLE -o $(FUZZ_OUT)/fuzz_middle tests/fuzz/fuzz_front.c $(FRONT_SRC) \
		$(MIDDLE_SRC) compiler/util.c runtime/msg.c runtime/loss.c -lfftw3 -lm
	$(FUZZ_CC) $(FUZZ_FLAGS) $(SNDFILE_CFLAGS) -o $(FUZZ_OUT)/fuzz_wav tests/fuzz/fuzz_wav.c \
		runtime/wav.c runtime/out.c $(SNDFILE_LIBS) -lm
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $(FUZZ_OUT)/fuzz_params tests/fuzz/fuzz_params.c \
		compiler/cli/cli_params.c compiler/util.c runtime/msg.c runtime/params.c -lm
	@echo "fuzz: tests/fuzz/fuzz_front SCRATCH tests/fuzz/corpus -max_total_time=60"
	@echo "fuzz: tests/fuzz/fuzz_middle SCRATCH tests/fuzz/corpus -max_total_time=60 -timeout=20"
	@echo "fuzz: tests/fuzz/fuzz_wav SCRATCH tests/fuzz/wav -max_total_time=60"
	@echo "fuzz: tests/fuzz/fuzz_params SCRATCH tests/fuzz/json -dict=tests/fuzz/json.dict -max_total_time=60"

# The dpm Python package goes where Debian's python3 looks under PREFIX:
# /usr/lib/python3/dist-packages for /usr, else PREFIX/lib/python3.X/
# dist-packages (X: /usr/bin/python3's); PYTHON_DIR=... to choose.  Its
# _installed.py names the dpmc installed with it.
PYTHON = /usr/bin/python3
PYTHON_DIR = $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(shell \
	$(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)/dist-packages)

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dpm/stdlib \
		$(DESTDIR)$(PREFIX)/share/dpm/runtime $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/lib/dpm
	cp dpmc $(DESTDIR)$(PREFIX)/bin/dpmc
	cp dpmc-llvm.so $(DESTDIR)$(PREFIX)/lib/dpm/dpmc-llvm.so
	cp dpmc-mpi.so $(DESTDIR)$(PREFIX)/lib/dpm/dpmc-mpi.so
	cp stdlib/*.dpm $(DESTDIR)$(PREFIX)/share/dpm/stdlib/
	cp runtime/libdpmrt.a runtime/rt.h $(DESTDIR)$(PREFIX)/share/dpm/runtime/
	if [ -f docs/dpmc.1 ]; then cp docs/dpmc.1 $(DESTDIR)$(PREFIX)/share/man/man1/dpmc.1; fi
	mkdir -p $(DESTDIR)$(PYTHON_DIR)/dpm
	cp python/dpm/*.py $(DESTDIR)$(PYTHON_DIR)/dpm/
	printf '"""Written by make install."""\nDPMC = "%s"\n' '$(PREFIX)/bin/dpmc' > $(DESTDIR)$(PYTHON_DIR)/dpm/_installed.py

clean:
	rm -f dpmc dpmc-llvm.so dpmc-mpi.so compiler/*.o compiler/*.d compiler/*/*.o compiler/*/*.d runtime/*.o runtime/*.d \
		runtime/libdpmrt.a $(FRONT_GEN) compiler/back/ck_text.h compiler/back/api_text.h compiler/back/lv2_text.h compiler/back/wasm_page_text.h $(STAMP) tests/fuzz/fuzz_front tests/fuzz/fuzz_middle \
		tests/fuzz/fuzz_wav tests/fuzz/fuzz_params
	rm -rf out

.PHONY: all check bench demo fuzz install clean
