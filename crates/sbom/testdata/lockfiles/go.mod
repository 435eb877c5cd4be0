module example.com/app

go 1.21

toolchain go1.21.5

require github.com/BurntSushi/toml v1.3.2

require (
	golang.org/x/net v0.17.0
	github.com/pkg/errors v0.9.1 // indirect
	gopkg.in/yaml.v3 v3.0.1
	github.com/old/module v1.0.0
	"github.com/quoted/module" v2.1.0+incompatible
	github.com/local/fork v0.5.0
	github.com/go-chi/chi/v5 v5.0.10
)

exclude golang.org/x/net v0.16.0

replace github.com/old/module => github.com/new/module v1.1.0

replace (
	github.com/local/fork => ../fork
	gopkg.in/yaml.v3 v3.0.0 => gopkg.in/yaml.v3 v3.0.2
)

retract v0.1.0
