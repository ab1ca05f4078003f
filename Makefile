# Convenience targets over scripts/ (the README's commands work without make).
.PHONY: demo test build deps bench format check-format
demo:
	./scripts/demo.sh
test:
	./scripts/test.sh
build:
	./scripts/build.sh
deps:
	./scripts/install-deps.sh
bench: build
	TROUPE_WITH_PYTHON_BENCH=1 ./scripts/install-deps.sh
	./bench/train_throughput.sh build
format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.cu')
check-format:
	./scripts/check-format.sh
