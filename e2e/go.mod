module github.com/goblog/e2e

go 1.26.8

require (
	github.com/goblog/systest v0.0.0
	github.com/smartystreets/goconvey v1.8.1
	golang.org/x/oauth2 v0.36.0
)

require (
	github.com/gopherjs/gopherjs v1.17.2 // indirect
	github.com/jtolds/gls v4.20.0+incompatible // indirect
	github.com/smarty/assertions v1.15.0 // indirect
)

replace github.com/goblog/systest => ../systest
